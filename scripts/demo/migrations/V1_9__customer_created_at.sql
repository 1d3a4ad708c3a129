-- Edited after it was applied: the recorded checksum no longer matches (the demo's drift).
ALTER TABLE customers ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX customers_created_idx ON customers (created_at);
