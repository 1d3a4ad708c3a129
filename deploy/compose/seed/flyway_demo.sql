-- Demo database for the compose stack (and the container check): a small shop schema and the
-- flyway_schema_history Flyway would have written while building it over ten months, ending in a
-- failed non-transactional migration (CREATE INDEX CONCURRENTLY, which Flyway records with
-- success = false). Timestamps are relative to now() so "last applied" always looks recent.
-- installed_on is `timestamp without time zone` (Flyway's DDL), filled with the session's local
-- time, so the rows below are written in that same convention.
\set ON_ERROR_STOP on
BEGIN;

CREATE TABLE customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  title text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0)
);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE order_items (
  order_id bigint NOT NULL REFERENCES orders ON DELETE CASCADE,
  product_id bigint NOT NULL REFERENCES products,
  quantity integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, product_id)
);
CREATE VIEW order_totals AS
  SELECT o.id AS order_id, sum(i.quantity * p.price_cents) AS total_cents
  FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id
  GROUP BY o.id;
INSERT INTO customers (email, name) SELECT 'customer' || g || '@example.com', 'Customer ' || g FROM generate_series(1, 50) g;
INSERT INTO products (sku, title, price_cents) SELECT 'SKU-' || g, 'Product ' || g, 100 * g FROM generate_series(1, 20) g;
INSERT INTO orders (customer_id, status) SELECT 1 + g % 50, (ARRAY['new', 'paid', 'shipped'])[1 + g % 3] FROM generate_series(1, 200) g;
INSERT INTO order_items SELECT o, 1 + o % 20, 1 + o % 4 FROM generate_series(1, 200) o;

-- Flyway's own DDL for PostgreSQL (flyway-database-postgresql).
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");

INSERT INTO flyway_schema_history
  (installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success)
VALUES
  ( 1, '1',     '<< Flyway Baseline >>',              'BASELINE', '<< Flyway Baseline >>',                   NULL,        'deploy', localtimestamp - interval '301 days 04:10', 0,      true),
  ( 2, '1.1',   'create customers',                   'SQL', 'V1.1__create_customers.sql',                   1843501752,  'deploy', localtimestamp - interval '301 days 04:09', 48,     true),
  ( 3, '1.2',   'create products',                    'SQL', 'V1.2__create_products.sql',                    -412235098,  'deploy', localtimestamp - interval '301 days 04:09', 35,     true),
  ( 4, '1.3',   'create orders',                      'SQL', 'V1.3__create_orders.sql',                      977124411,   'deploy', localtimestamp - interval '280 days 10:31', 61,     true),
  ( 5, '1.4',   'create order items',                 'SQL', 'V1.4__create_order_items.sql',                 -1590441187, 'deploy', localtimestamp - interval '280 days 10:31', 57,     true),
  ( 6, NULL,    'order totals view',                  'SQL', 'R__order_totals_view.sql',                     203994817,   'deploy', localtimestamp - interval '280 days 10:30', 22,     true),
  ( 7, '1.5',   'add customer created at',            'SQL', 'V1.5__add_customer_created_at.sql',            -33871240,   'deploy', localtimestamp - interval '244 days 15:02', 1840,   true),
  ( 8, '1.6',   'backfill product titles',            'JDBC', 'db.migration.V1_6__Backfill_product_titles', NULL,        'deploy', localtimestamp - interval '244 days 15:01', 12650,  true),
  ( 9, '1.7',   'add order status',                   'SQL', 'V1.7__add_order_status.sql',                   701433925,   'deploy', localtimestamp - interval '198 days 09:45', 310,    true),
  (10, '1.8',   'price check constraint',             'SQL', 'V1.8__price_check_constraint.sql',             -1184012206, 'deploy', localtimestamp - interval '198 days 09:44', 4410,   true),
  (11, NULL,    'order totals view',                  'SQL', 'R__order_totals_view.sql',                     -905123467,  'deploy', localtimestamp - interval '198 days 09:44', 19,     true),
  (12, '1.9',   'orders created at index',            'SQL', 'V1.9__orders_created_at_index.sql',            1554012398,  'deploy', localtimestamp - interval '151 days 18:20', 27880,  true),
  (13, '1.10',  'customers email lower',              'SQL', 'V1.10__customers_email_lower.sql',             -66170329,   'deploy', localtimestamp - interval '120 days 11:12', 2250,   true),
  (14, '1.11',  'split address table',                'SQL', 'V1.11__split_address_table.sql',               880219443,   'deploy', localtimestamp - interval '92 days 14:03',  96400,  true),
  (15, '1.12',  'order items quantity check',         'SQL', 'V1.12__order_items_quantity_check.sql',        -2033901146, 'deploy', localtimestamp - interval '61 days 08:37',  5120,   true),
  (16, NULL,    'order totals view',                  'SQL', 'R__order_totals_view.sql',                     391024556,   'deploy', localtimestamp - interval '61 days 08:36',  25,     true),
  (17, '1.13',  'products sku unique',                'SQL', 'V1.13__products_sku_unique.sql',               1290044517,  'deploy', localtimestamp - interval '30 days 16:48',  7340,   true),
  (18, '1.14',  'orders status default',              'SQL', 'V1.14__orders_status_default.sql',             -511043021,  'deploy', localtimestamp - interval '9 days 10:05',   180,    true),
  (19, '1.15',  'orders customer index concurrently', 'SQL', 'V1.15__orders_customer_index_concurrently.sql', 1120573354, 'deploy', localtimestamp - interval '2 days 03:20',   412330, false);

COMMIT;
