-- The checksums Flyway records for the demo's migration files (scripts/demo/migrations), so that
-- only the edited V1_9 file shows as drifted and V2_1 as pending. Computed as Flyway does: CRC-32
-- of the lines without line endings, as a signed int.
UPDATE flyway_schema_history AS h SET checksum = c.checksum FROM (VALUES
 (2, 2007674701),
 (3, 638245260),
 (4, 452843225),
 (5, 723286116),
 (7, -307445674),
 (9, 472390519),
 (11, -354161302),
 (12, -354161302),
 (16, -124115983),
 (17, 14120196),
 (18, -2084362250),
 (15, -1472823496)
) AS c(installed_rank, checksum) WHERE h.installed_rank = c.installed_rank;
