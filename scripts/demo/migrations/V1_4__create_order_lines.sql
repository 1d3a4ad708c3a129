CREATE TABLE order_lines (
  order_id bigint NOT NULL REFERENCES orders,
  product_id bigint NOT NULL REFERENCES products,
  quantity int NOT NULL
);
