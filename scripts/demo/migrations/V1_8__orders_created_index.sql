-- Built without blocking writes: Flyway runs it outside a transaction.
CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);
