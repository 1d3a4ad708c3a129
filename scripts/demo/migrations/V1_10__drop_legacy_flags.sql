ALTER TABLE customers DROP COLUMN IF EXISTS legacy_flags;
