ALTER TABLE customers ADD COLUMN legacy_flags int;
