-- Demo database "shop": the schema a year of Flyway migrations built, and the history Flyway
-- wrote while building it (baseline, versioned and repeatable migrations, a slow index build, one
-- failed non-transactional migration that was later fixed, and an undo).
SET client_min_messages = warning;

CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE products (id bigserial PRIMARY KEY, sku text NOT NULL UNIQUE, name text NOT NULL, price_cents int NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, status text NOT NULL DEFAULT 'new', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders, product_id bigint NOT NULL REFERENCES products, quantity int NOT NULL, PRIMARY KEY (order_id, product_id));
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_created_idx ON orders (created_at);
INSERT INTO customers (email) SELECT 'customer' || g || '@example.com' FROM generate_series(1, 500) g;
INSERT INTO products (sku, name, price_cents) SELECT 'SKU-' || g, 'Product ' || g, 100 + g FROM generate_series(1, 200) g;
INSERT INTO orders (customer_id, status) SELECT 1 + (g % 500), CASE WHEN g % 7 = 0 THEN 'shipped' ELSE 'new' END FROM generate_series(1, 2000) g;
INSERT INTO order_lines SELECT o.id, 1 + (o.id % 200), 1 + (o.id % 3) FROM orders o;

CREATE TABLE flyway_schema_history (
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
ALTER TABLE flyway_schema_history ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON flyway_schema_history ("success");

INSERT INTO flyway_schema_history VALUES
 (1,  '1',      '<< Flyway Baseline >>',          'BASELINE', '<< Flyway Baseline >>',                 NULL,        'deploy', now() - interval '380 days',      0, true),
 (2,  '1.1',    'create customers',               'SQL',      'V1_1__create_customers.sql',           -112874521,  'deploy', now() - interval '372 days',    412, true),
 (3,  '1.2',    'create products',                'SQL',      'V1_2__create_products.sql',            1928374650,  'deploy', now() - interval '372 days',    388, true),
 (4,  '1.3',    'create orders',                  'SQL',      'V1_3__create_orders.sql',              553421987,   'deploy', now() - interval '360 days',    951, true),
 (5,  '1.4',    'create order lines',             'SQL',      'V1_4__create_order_lines.sql',         -77128374,   'deploy', now() - interval '340 days',    702, true),
 (6,  NULL,     'reporting views',                'SQL',      'R__reporting_views.sql',               99123,       'deploy', now() - interval '340 days',     85, true),
 (7,  '1.5',    'orders customer index',          'SQL',      'V1_5__orders_customer_index.sql',      31415926,    'deploy', now() - interval '300 days',  18250, true),
 (8,  '1.6',    'backfill order status',          'JDBC',     'db.migration.V1_6__BackfillOrderStatus', NULL,      'deploy', now() - interval '260 days', 142877, true),
 (9,  '1.7',    'add product price',              'SQL',      'V1_7__add_product_price.sql',          27182818,    'deploy', now() - interval '200 days',    230, true),
 (10, NULL,     'reporting views',                'SQL',      'R__reporting_views.sql',               99124,       'deploy', now() - interval '200 days',     91, true),
 (11, '1.8',    'orders created index',           'SQL',      'V1_8__orders_created_index.sql',       16180339,    'deploy', now() - interval '150 days',  31500, false),
 (12, '1.8',    'orders created index',           'SQL',      'V1_8__orders_created_index.sql',       16180340,    'deploy', now() - interval '149 days',  29800, true),
 (13, '1.9',    'customer created at',            'SQL',      'V1_9__customer_created_at.sql',        14142135,    'deploy', now() - interval '90 days',     512, true),
 (14, '1.10',   'drop legacy flags',              'SQL',      'V1_10__drop_legacy_flags.sql',         17320508,    'deploy', now() - interval '40 days',     120, true),
 (15, '1.10',   'drop legacy flags',              'UNDO_SQL', 'U1_10__drop_legacy_flags.sql',         -17320508,   'deploy', now() - interval '39 days',     140, true),
 (16, '1.10',   'drop legacy flags v2',           'SQL',      'V1_10__drop_legacy_flags.sql',         17320509,    'deploy', now() - interval '38 days',     133, true),
 (17, NULL,     'reporting views',                'SQL',      'R__reporting_views.sql',               99125,       'deploy', now() - interval '10 days',      97, true),
 (18, '2.0',    'partition orders by month',      'SQL',      'V2_0__partition_orders_by_month.sql',  -22360679,   'deploy', now() - interval '2 days',   245000, false);
