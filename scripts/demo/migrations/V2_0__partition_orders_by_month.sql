-- Failed when it ran (see the history): fixed in the next release.
CREATE TABLE orders_partitioned (LIKE orders) PARTITION BY RANGE (id);
