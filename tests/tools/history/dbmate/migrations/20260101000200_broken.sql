-- migrate:up
SELECT no_such_function();

-- migrate:down
SELECT 1;
