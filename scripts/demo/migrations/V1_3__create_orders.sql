CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers,
  status text NOT NULL DEFAULT 'new'
);
