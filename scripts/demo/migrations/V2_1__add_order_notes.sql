-- Shipped with the current release but not applied yet (the demo's pending migration).
ALTER TABLE orders ADD COLUMN notes text;
