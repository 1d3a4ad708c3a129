-- What a half-finished migration leaves behind, for the schema_health collector: an invalid index
-- (a unique CREATE INDEX CONCURRENTLY that failed on duplicate emails) and a check constraint
-- added NOT VALID and never validated.
CREATE TABLE newsletter_signups (id bigserial PRIMARY KEY, email text NOT NULL,
                                 quantity int NOT NULL DEFAULT 1);
INSERT INTO newsletter_signups (email, quantity)
SELECT 'duplicate@example.com', g % 5 FROM generate_series(1, 50) g;
\set ON_ERROR_STOP off
-- Fails on purpose (ERROR: could not create unique index): the index stays, marked invalid.
CREATE UNIQUE INDEX CONCURRENTLY newsletter_signups_email_key ON newsletter_signups (email);
\set ON_ERROR_STOP on
ALTER TABLE newsletter_signups
  ADD CONSTRAINT newsletter_signups_quantity_positive CHECK (quantity > 0) NOT VALID;
