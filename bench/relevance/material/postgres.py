"""PostgreSQL: slow queries, migrations that lock, bloat, connections,
dumps and upgrades, and the schema migration tools."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

SLOW: list[Variant] = [
    {
        "key": "pg-invoices-composite-index",
        "repo": "billing-api",
        "title": "invoice list slow",
        "turns": [
            "GET /customers/{id}/invoices takes 2-3s for big customers. can you check the "
            "query plan",
            (
                "$",
                'psql $DATABASE_URL -c "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM invoices '
                'WHERE customer_id = 4812 ORDER BY created_at DESC LIMIT 50"',
                "Limit  (cost=0.43..9120.55 rows=50 width=412) (actual time=2210.3..2210.9 "
                "rows=50 loops=1)\n"
                "  ->  Index Scan Backward using invoices_created_at_idx on invoices  "
                "(actual time=2210.3..2210.8 rows=50 loops=1)\n"
                "        Filter: (customer_id = 4812)\n"
                "        Rows Removed by Filter: 3911877\n"
                "Planning Time: 0.2 ms\nExecution Time: 2211.0 ms",
            ),
            """
            The planner walks `invoices_created_at_idx` backwards (newest first) and throws away
            3.9 million rows of other customers before it has 50 of this one. There's an index
            on `created_at` and one on `customer_id`, but none on both. A composite index with
            the filter column first and the sort column second answers the query directly:

            ```sql
            CREATE INDEX CONCURRENTLY invoices_customer_created_idx
                ON invoices (customer_id, created_at DESC);
            ```

            The old single-column `customer_id` index becomes redundant (the new one's prefix
            covers it), so it can be dropped afterwards.
            """,
            "add it as an alembic migration. remember concurrently cant be in a transaction",
            """
            Right, so the migration runs it in an autocommit block:

            ```python
            def upgrade():
                with op.get_context().autocommit_block():
                    op.create_index(
                        "invoices_customer_created_idx", "invoices",
                        ["customer_id", sa.text("created_at DESC")],
                        postgresql_concurrently=True,
                    )
                    op.drop_index("invoices_customer_id_idx", postgresql_concurrently=True)
            ```
            """,
            (
                "$",
                'alembic upgrade head && psql $DATABASE_URL -c "EXPLAIN ANALYZE SELECT * FROM '
                'invoices WHERE customer_id = 4812 ORDER BY created_at DESC LIMIT 50" | tail -3',
                "  ->  Index Scan using invoices_customer_created_idx on invoices  "
                "(actual time=0.031..0.102 rows=50 loops=1)\nPlanning Time: 0.3 ms\n"
                "Execution Time: 0.14 ms",
            ),
            "2211 ms → 0.14 ms on the local copy of prod data.",
        ],
        "msg": "db: composite index on invoices (customer_id, created_at)",
        "q": [
            ("natural", "how did we speed up the invoice list for big customers"),
            ("keywords", "Rows Removed by Filter composite index customer_id created_at"),
        ],
        "para": [],
    },
    {
        "key": "pg-trgm-search",
        "repo": "legacy-crm",
        "turns": [
            "the contact search in the crm does name ILIKE '%smith%' and it's 4s now with 2M "
            "contacts. what's the proper way in postgres",
            """
            A B-tree index can't help a pattern with a leading `%`. Postgres has the `pg_trgm`
            extension for exactly this: a GIN index of trigrams that serves `LIKE`/`ILIKE` with
            wildcards on both sides.

            ```sql
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            CREATE INDEX CONCURRENTLY contacts_name_trgm_idx
                ON contacts USING gin (name gin_trgm_ops);
            ```

            In Django the index goes in `Meta.indexes` with `GinIndex(..., opclasses=
            ["gin_trgm_ops"])` and the extension via `TrigramExtension()` in a migration.
            """,
            "does it work for searches shorter than 3 chars?",
            """
            Not well: a 1 or 2 character pattern has no full trigram, so Postgres falls back to
            scanning. The search box should require 3 characters (most do), or treat short
            input as a prefix search on a normal index.
            """,
            "ok and could we rank by similarity too",
            """
            Yes, `similarity(name, 'smith')` or the `%` operator, and in Django
            `TrigramSimilarity("name", query)`:

            ```python
            Contact.objects.annotate(sim=TrigramSimilarity("name", q)) \\
                .filter(sim__gt=0.2).order_by("-sim")[:20]
            ```

            That also finds "Smyth" for "smith", which your sales people will like.
            """,
        ],
        "q": [
            ("natural", "whats the postgres index for ILIKE with a wildcard at the start"),
            ("keywords", "pg_trgm gin contacts"),
        ],
        "para": [],
    },
    {
        "key": "pg-keyset-pagination",
        "repo": "ingest-worker",
        "turns": [
            "the export job pages through events with LIMIT 1000 OFFSET n and it gets slower "
            "and slower, last pages take 20s. why",
            """
            `OFFSET n` still reads and discards the first n rows every time, so page 3,000 reads
            three million rows to return one thousand. The total work grows with the square of
            the number of pages.

            Keyset pagination remembers where the last page ended and starts from there with
            the index:

            ```sql
            SELECT id, payload, created_at FROM events
            WHERE (created_at, id) > (%(last_created_at)s, %(last_id)s)
            ORDER BY created_at, id
            LIMIT 1000;
            ```

            With an index on `(created_at, id)`, every page costs the same.
            """,
            "why the id in there too",
            """
            Ties: many events share a `created_at` (batches arrive in the same millisecond).
            With `created_at` alone a page boundary inside a tie would skip or repeat rows. The
            `id` makes the order total.
            """,
            (
                "$",
                "python -m ingest.export --since 2025-01-01 --dry-run",
                "exported 4,212,880 rows in 4,213 pages, 61.2s (page p50 13ms, p99 22ms)",
            ),
            "From 40+ minutes to one minute, and the last page is as fast as the first.",
        ],
        "msg": "export: keyset pagination instead of OFFSET",
        "q": [("natural", "why did the export get slower with every page")],
        "para": [],
    },
    {
        "key": "pg-jsonb-gin",
        "repo": "notifier",
        "turns": [
            "we filter notifications by payload->>'tenant' = $1 and its a seq scan. index on "
            "jsonb?",
            """
            Two choices:

            1. an expression index on exactly that key, smallest and fastest for equality:
               `CREATE INDEX ON notifications ((payload->>'tenant'));`
            2. a GIN index for containment queries on any key:
               `CREATE INDEX ON notifications USING gin (payload jsonb_path_ops);` used with
               `WHERE payload @> '{"tenant": "acme"}'`.

            If `tenant` is the only key you filter on, take the expression index. Note the GIN
            one is *not* used by `->>` equality, only by `@>`.
            """,
            "only tenant. but honestly should tenant just be a column",
            """
            Probably yes: you filter and probably join on it, it's always there, and a real
            column gets statistics, a foreign key and a plain B-tree. A generated column is a
            middle way that needs no change in the code that writes the payload:

            ```sql
            ALTER TABLE notifications
              ADD COLUMN tenant text GENERATED ALWAYS AS (payload->>'tenant') STORED;
            CREATE INDEX CONCURRENTLY notifications_tenant_idx ON notifications (tenant);
            ```

            (Adding a stored generated column rewrites the table, so do it at a quiet hour.)
            """,
        ],
        "q": [("keywords", "jsonb tenant index generated column")],
        "para": [],
    },
    {
        "key": "pg-count-estimate",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "our admin page shows 'total events: N' with select count(*) and it takes 6 s on "
            "the 80M row table. any trick?",
            """
            An exact `count(*)` in Postgres has to visit every visible row (MVCC: each
            transaction may see a different number), so it can't be instant on 80M rows. For a
            dashboard an estimate is usually fine, and the planner already has one:

            ```sql
            SELECT reltuples::bigint AS estimate
            FROM pg_class WHERE oid = 'public.events'::regclass;
            ```

            It's updated by `VACUUM`/`ANALYZE` (autovacuum keeps it within a few percent). Show
            it as "about 80.2M".
            """,
            "and if it's filtered, like count for one tenant?",
            """
            Then either keep a counter table updated by the code (or a trigger) per tenant, or
            use the planner's row estimate for the filtered query by running `EXPLAIN` and
            reading `rows=` from the JSON plan. The counter table is exact; the `EXPLAIN` trick
            is cheap but can be off by a lot for skewed tenants.
            """,
        ],
        "q": [
            ("natural", "how do I show an approximate row count instead of count(*) in postgres"),
            ("keywords", "reltuples estimate count"),
        ],
        "para": [],
    },
    {
        "key": "pg-extended-statistics",
        "repo": "search-service",
        "turns": [
            "weird: query filtering on city and zip picks a nested loop and takes 9s, but if "
            "I remove the zip filter it's 40ms",
            (
                "$",
                "psql -c \"EXPLAIN ANALYZE SELECT * FROM listings WHERE city = 'Lyon' AND "
                "zip = '69003'\" | head -4",
                "Nested Loop  (cost=1.12..85.3 rows=3 width=220) (actual time=0.08..9012.4 "
                "rows=18211 loops=1)\n"
                "  ->  Index Scan using listings_city_idx on listings  (rows=3) (actual "
                "rows=18211)",
            ),
            """
            The estimate says 3 rows, reality is 18,211. Postgres assumes `city` and `zip` are
            independent and multiplies their selectivities, but a zip code implies the city, so
            the combined filter is far less selective than it thinks. With 3 expected rows a
            nested loop looks cheap; with 18k it's a disaster.

            Extended statistics tell the planner the columns are correlated:

            ```sql
            CREATE STATISTICS listings_city_zip (dependencies) ON city, zip FROM listings;
            ANALYZE listings;
            ```
            """,
            (
                "$",
                "psql -c \"EXPLAIN ANALYZE SELECT * FROM listings WHERE city = 'Lyon' AND "
                "zip = '69003'\" | head -2",
                "Bitmap Heap Scan on listings  (cost=412.1..9830.2 rows=17960 width=220) "
                "(actual time=3.1..38.7 rows=18211 loops=1)",
            ),
            ("person", "never heard of create statistics. nice"),
            "It's been there since PostgreSQL 10 and is little known. Estimate 17,960, actual "
            "18,211, and a bitmap scan: 39 ms.",
        ],
        "msg": "db: extended statistics on listings (city, zip)",
        "q": [
            ("spread", "planner wrong row estimate city zip nested loop"),
            ("keywords", "CREATE STATISTICS dependencies"),
        ],
        "para": [],
    },
]

family("pg-slow-query", SLOW)(written)

LOCKS: list[Variant] = [
    {
        "key": "pg-add-column-default-rewrite",
        "repo": "legacy-crm",
        "turns": [
            "need to add `is_archived boolean not null default false` to contacts (2M rows) in "
            "prod. will that lock the table for long?",
            """
            Depends on the server version. Since PostgreSQL 11, adding a column with a constant
            default is instant: the default is stored in the catalog and not written into each
            row. Before 11 it rewrote the whole table under an `ACCESS EXCLUSIVE` lock. Which
            version is prod on?
            """,
            ("$", "psql $PROD_RO_URL -Atc 'show server_version'", "10.23"),
            """
            10.23, so it *would* rewrite and block reads and writes for the whole rewrite. The
            safe sequence on 10:

            1. `ALTER TABLE contacts ADD COLUMN is_archived boolean;` (instant, nullable, no
               default)
            2. `ALTER TABLE contacts ALTER COLUMN is_archived SET DEFAULT false;` (instant, only
               new rows)
            3. backfill in batches of 10k: `UPDATE contacts SET is_archived = false WHERE id
               BETWEEN … AND is_archived IS NULL;`
            4. then `SET NOT NULL`, which scans the table (a short lock, but a full scan).

            And honestly: PostgreSQL 10 has been out of support since November 2022. Worth
            planning the upgrade.
            """,
            "write the django migrations for 1-3 and we deal with the upgrade separately",
            """
            Two migrations: `0087_contact_is_archived_nullable` adds the field with `null=True`
            and `db_default=False`... wait, `db_default` is Django 5.0 and you're on 4.2. So the
            first migration adds the nullable field and a `RunSQL` that sets the default; the
            second is a `RunPython` backfill with `atomic = False` that updates 10,000 rows per
            transaction. The `NOT NULL` comes in a third migration after the backfill ran in
            prod.
            """,
        ],
        "msg": "contacts: add is_archived in three steps (prod is on PG 10)",
        "q": [
            ("natural", "does adding a column with a default lock the table on postgres 10"),
            ("spread", "is_archived backfill batches server_version 10"),
        ],
        "para": [],
    },
    {
        "key": "pg-rename-column-expand-contract",
        "repo": "billing-api",
        "title": "rename amount column safely",
        "turns": [
            "I want to rename invoices.amount to amount_cents. just ALTER TABLE RENAME in a "
            "migration ok?",
            """
            The rename itself is instant, but the deploy isn't atomic: while the new version
            rolls out, the old pods still run `SELECT amount …` and start failing with `column
            "amount" does not exist` the moment the migration commits. With 6 pods and a
            rolling update that's a few minutes of 500s.

            The zero-downtime way is expand/contract:

            1. add `amount_cents`, write both columns (and backfill);
            2. deploy code that reads `amount_cents`;
            3. stop writing `amount`;
            4. drop `amount` in a later release.
            """,
            "4 releases for a rename 😩 any shortcut",
            """
            A shortcut that works in Postgres: rename the column and add a view... no, simpler
            for you since the ORM maps names: keep the DB column `amount` and only rename the
            attribute in SQLAlchemy:

            ```python
            amount_cents: Mapped[int] = mapped_column("amount", BigInteger)
            ```

            The code says `amount_cents` everywhere and the schema doesn't change at all.
            Rename the real column later if it ever matters.
            """,
            "ha, yes do that",
        ],
        "msg": "invoices: call the amount attribute amount_cents (column unchanged)",
        "q": [
            ("natural", "how to rename a column without downtime during a rolling deploy"),
            ("keywords", "amount_cents expand contract"),
        ],
        "para": [],
    },
    {
        "key": "pg-lock-timeout-idle-tx",
        "repo": "ingest-worker",
        "title": "migration stuck in prod",
        "turns": [
            "the deploy is hanging on the migration step for 10 min. ALTER TABLE batches ADD "
            "COLUMN priority int. and now the API is timing out too!!",
            (
                "$",
                'psql $PROD_URL -c "SELECT pid, state, now() - xact_start AS age, '
                "left(query, 60) FROM pg_stat_activity WHERE datname = 'ingest' ORDER BY age DESC "
                'LIMIT 4"',
                "  pid  |        state        |   age    |                         left\n"
                "-------+---------------------+----------+---------------------------------------------\n"
                " 88121 | idle in transaction | 02:14:51 | SELECT * FROM batches WHERE id = "
                "991823 FOR UPDATE\n"
                " 90412 | active              | 00:10:03 | ALTER TABLE batches ADD COLUMN "
                "priority int\n"
                " 90533 | active              | 00:09:58 | SELECT * FROM batches WHERE status = "
                "'ready'",
            ),
            """
            Classic lock queue:

            - pid 88121 has been *idle in transaction* for over two hours, holding a lock on
              `batches` (someone's session, or a worker that died mid-transaction);
            - the `ALTER TABLE` waits for an `ACCESS EXCLUSIVE` lock behind it;
            - and every new query on `batches` now queues behind the `ALTER`, which is why the
              API times out.

            Kill the idle transaction to unblock everything right now:
            `SELECT pg_terminate_backend(88121);`
            """,
            "do it",
            (
                "$",
                "psql $PROD_URL -c 'SELECT pg_terminate_backend(88121)'",
                " pg_terminate_backend\n----------------------\n t\n(1 row)",
            ),
            """
            The migration finished a second later and the API recovered. Two guards so this
            can't happen again:

            1. migrations run with `SET lock_timeout = '5s'`: if they can't get the lock they
               fail and retry, instead of blocking everyone;
            2. `idle_in_transaction_session_timeout = '10min'` on the database, so forgotten
               transactions are closed.
            """,
            "add the lock_timeout to alembic env.py",
        ],
        "msg": "migrations: lock_timeout 5s so a waiting ALTER never blocks the app",
        "q": [
            ("natural", "the deploy where the migration hung and the api timed out"),
            ("keywords", "idle in transaction pg_terminate_backend lock_timeout"),
            ("title", "migration stuck in prod"),
        ],
        "para": [],
    },
    {
        "key": "pg-fk-not-valid",
        "repo": "payments-gateway",
        "turns": [
            "adding a foreign key from payments.merchant_id to merchants on a 50M row table. "
            "will it block?",
            """
            A plain `ADD CONSTRAINT … FOREIGN KEY` checks every existing row while holding a
            `SHARE ROW EXCLUSIVE` lock on both tables, which blocks writes to `payments` for the
            whole scan. Split it in two:

            ```sql
            ALTER TABLE payments
              ADD CONSTRAINT payments_merchant_fk FOREIGN KEY (merchant_id)
              REFERENCES merchants (id) NOT VALID;      -- instant, new rows checked

            ALTER TABLE payments VALIDATE CONSTRAINT payments_merchant_fk;
            -- scans, but only takes SHARE UPDATE EXCLUSIVE: writes keep going
            ```
            """,
            "what if some rows reference merchants that dont exist",
            """
            Then `VALIDATE` fails and tells you one offending row. Find them all first:

            ```sql
            SELECT p.id, p.merchant_id FROM payments p
            LEFT JOIN merchants m ON m.id = p.merchant_id
            WHERE m.id IS NULL AND p.merchant_id IS NOT NULL;
            ```
            """,
            (
                "$",
                "psql $DATABASE_URL -f scripts/orphans.sql",
                " id | merchant_id\n----+-------------\n(0 rows)",
            ),
            "No orphans, so the validation will pass.",
        ],
        "msg": "db: payments.merchant_id foreign key, NOT VALID then VALIDATE",
        "q": [("keywords", "foreign key NOT VALID validate constraint")],
        "para": [],
    },
    {
        "key": "pg-alter-type-bigint",
        "repo": "ingest-worker",
        "turns": [
            "events.id is int4 and we're at 1.9 billion. sequence runs out in ~2 months. how "
            "to switch to bigint without hours of downtime",
            """
            `ALTER COLUMN id TYPE bigint` rewrites the table and every index under an exclusive
            lock, hours on a table that size. The usual online approach:

            1. add `id_new bigint`, and a trigger that copies `id` into it on insert/update;
            2. backfill old rows in batches;
            3. build a unique index on `id_new` `CONCURRENTLY`;
            4. in one short transaction: drop the old PK, rename the columns, attach the new
               index as the primary key (`ADD CONSTRAINT … PRIMARY KEY USING INDEX`), point the
               sequence at the new column and `ALTER SEQUENCE … AS bigint`.

            Foreign keys pointing at `events.id` need the same treatment first; are there any?
            """,
            (
                "$",
                'psql $DATABASE_URL -Atc "SELECT conrelid::regclass FROM pg_constraint WHERE '
                "confrelid = 'events'::regclass\"",
                "event_attachments",
            ),
            (
                "person",
                "one, event_attachments. ok so it's both tables. can you write the whole plan as "
                "a runbook md",
            ),
            "Written to `docs/runbooks/events-bigint.md`, with the batch size (50k), the lag "
            "check and the rollback step for each stage.",
        ],
        "q": [
            ("natural", "how do we migrate the events id from int to bigint online"),
            ("keywords", "int4 bigint sequence runs out"),
        ],
        "para": [],
    },
]

family("pg-locks", LOCKS)(written)

VACUUM: list[Variant] = [
    {
        "key": "pg-autovacuum-scale-factor",
        "repo": "ingest-worker",
        "title": "Autovacuum tuning",
        "turns": [
            "postgres vacuum question. events table is 210GB on disk but the data is maybe "
            "60GB. is that bloat and why isn't autovacuum handling it",
            (
                "$",
                'psql $DATABASE_URL -c "SELECT relname, n_live_tup, n_dead_tup, '
                "last_autovacuum FROM pg_stat_user_tables WHERE relname = 'events'\"",
                " relname | n_live_tup | n_dead_tup |        last_autovacuum\n"
                "---------+------------+------------+-------------------------------\n"
                " events  |  402118223 |   91822410 | 2025-06-02 03:11:48.1+00",
            ),
            """
            92 million dead rows and the last autovacuum was 11 days ago. With the default
            `autovacuum_vacuum_scale_factor = 0.2`, autovacuum waits until 20% of the table is
            dead, 80 million rows here, and by then a single run takes hours and gets
            cancelled by the next deploy's `ALTER`. The dead rows' space is reused only after
            a vacuum, so the table keeps growing.

            Per-table settings fix the trigger point:

            ```sql
            ALTER TABLE events SET (
              autovacuum_vacuum_scale_factor = 0.01,
              autovacuum_vacuum_cost_limit = 2000
            );
            ```

            Vacuum will run every ~4M dead rows and go faster. It won't give the 150 GB back to
            the OS (only `VACUUM FULL` or `pg_repack` do), but the table stops growing.
            """,
            "can we get the space back without VACUUM FULL locking everything",
            """
            `pg_repack` rebuilds the table online (short locks at the start and the end), it
            needs free disk roughly the size of the live data (60 GB) while it runs. Is the
            extension available on your RDS instance? It is supported on RDS for PostgreSQL.
            """,
        ],
        "q": [
            ("keywords", "postgres vacuum bloat"),
            ("natural", "why wasnt autovacuum keeping up with the events table"),
            ("title", "autovacuum tuning"),
        ],
        "para": [],
    },
    {
        "key": "pg-xid-wraparound",
        "repo": "legacy-crm",
        "chat": True,
        "turns": [
            'got an alert from the crm db: \'WARNING: database "crm" must be vacuumed within '
            "11284331 transactions'. how bad is this",
            """
            Serious, but you have time if you act now. Postgres transaction ids are 32-bit;
            every table must be vacuumed often enough to "freeze" old rows before the counter
            wraps around. If it gets within 3 million transactions of the limit, Postgres stops
            accepting writes to protect your data.

            Find which tables are oldest:

            ```sql
            SELECT relname, age(relfrozenxid) FROM pg_class
            WHERE relkind = 'r' ORDER BY 2 DESC LIMIT 5;
            ```

            and run `VACUUM (FREEZE, VERBOSE)` on them, the oldest first. Usually one big table
            whose autovacuum kept getting cancelled is the reason.
            """,
            (
                "paste",
                "its this one",
                """
                  relname   |    age
                ------------+------------
                 audit_log  | 2136099412
                 contacts   |  201832011
                """,
            ),
            """
            `audit_log` it is. Run `VACUUM (FREEZE, VERBOSE) audit_log;` in a `tmux` session
            (it can take a while and must not be interrupted), and check afterwards with the
            same query that its age dropped to near zero. Then find out why autovacuum never
            finished on it; an append-only log table is usually cheap to vacuum, so probably
            something cancelled it, like a nightly `LOCK TABLE` or a long-running report.
            """,
        ],
        "q": [("keywords", "must be vacuumed within transactions wraparound")],
        "para": [],
    },
    {
        "key": "pg-replication-slot-xmin",
        "repo": "infra",
        "turns": [
            "disk on the main postgres is filling up fast, WAL folder is 300GB. what would "
            "cause that",
            (
                "$",
                'psql -c "SELECT slot_name, active, pg_size_pretty(pg_wal_lsn_diff('
                'pg_current_wal_lsn(), restart_lsn)) AS retained FROM pg_replication_slots"',
                "   slot_name    | active | retained\n"
                "----------------+--------+----------\n"
                " debezium_cdc   | f      | 297 GB\n"
                " replica_1      | t      | 16 MB",
            ),
            """
            The replication slot `debezium_cdc` is inactive and holds back 297 GB of WAL. A slot
            guarantees its consumer never misses changes, so Postgres keeps every WAL segment
            since the consumer last confirmed, forever, until the slot is used again or
            dropped. The CDC connector was probably shut down without removing its slot.

            If nobody needs that connector anymore:

            ```sql
            SELECT pg_drop_replication_slot('debezium_cdc');
            ```

            and set `max_slot_wal_keep_size = '50GB'` so an abandoned slot can never fill the
            disk again (the slot is invalidated instead).
            """,
            "its the old analytics pipeline, turned off in may. drop it",
            (
                "$",
                "psql -c \"SELECT pg_drop_replication_slot('debezium_cdc')\"",
                " pg_drop_replication_slot\n--------------------------\n \n(1 row)",
            ),
            "Dropped; the WAL folder is back to 2 GB after the next checkpoint.",
        ],
        "q": [
            ("natural", "what was filling the postgres disk with wal"),
            ("keywords", "inactive replication slot debezium"),
        ],
        "para": [],
    },
    {
        "key": "pg-repack",
        "repo": "ingest-worker",
        "turns": [
            "ok lets do the pg_repack of events we talked about. what's the exact command and "
            "what can go wrong",
            """
            ```bash
            pg_repack --host $PGHOST --dbname ingest --table public.events \\
              --no-kill-backend --wait-timeout 60 --jobs 2
            ```

            What can go wrong:

            - **disk**: it builds a full copy, so you need ~65 GB free (you have 180);
            - **locks**: it takes an `ACCESS EXCLUSIVE` lock briefly at the start and at the
              swap; `--no-kill-backend` makes it wait (up to `--wait-timeout`) instead of
              cancelling other queries;
            - **long transactions** during the run delay the final swap;
            - **replica lag**: the copy generates a lot of WAL, watch the replica.

            Run it off-peak; at your write rate expect 2 to 3 hours.
            """,
            (
                "$",
                "pg_repack --host $PGHOST --dbname ingest --table public.events "
                "--no-kill-backend --wait-timeout 60 --jobs 2",
                'INFO: repacking table "public.events"\n'
                'INFO: repacked table "public.events" in 2h 21m',
            ),
            ("person", "done. size?"),
            ("$", "psql -Atc \"select pg_size_pretty(pg_total_relation_size('events'))\"", "63 GB"),
            "From 210 GB to 63 GB.",
        ],
        "q": [
            ("natural", "how long did the repack of events take and how much space did we get back")
        ],
        "para": [],
    },
]

family("pg-vacuum", VACUUM)(written)

CONNECTIONS: list[Variant] = [
    {
        "key": "pg-too-many-connections-pgbouncer",
        "repo": "ingest-worker",
        "title": "FATAL too many clients",
        "turns": [
            "after scaling celery to 40 workers we get FATAL: sorry, too many clients already. "
            "max_connections is 200",
            """
            Each worker process opens its own pool: 40 workers × concurrency 4 × pool size 5 is
            800 possible connections against a limit of 200, plus the API's. Raising
            `max_connections` costs memory per connection and doesn't scale.

            Put PgBouncer in front in **transaction** pooling mode: clients hold a server
            connection only for the duration of a transaction, so 800 client connections share
            ~50 server ones.

            ```ini
            [pgbouncer]
            pool_mode = transaction
            max_client_conn = 2000
            default_pool_size = 50
            ```
            """,
            "any gotchas with transaction mode",
            """
            Session state doesn't survive between transactions: `SET` without `LOCAL`,
            advisory locks held across transactions, `LISTEN`, and server-side prepared
            statements (PgBouncer 1.21+ can track protocol-level prepared statements with
            `max_prepared_statements`). Celery with SQLAlchemy and psycopg is fine; set
            `pool_pre_ping=True` and a small pool per process.
            """,
        ],
        "q": [
            ("keywords", "sorry, too many clients already celery"),
            ("natural", "why did we put pgbouncer in front of postgres"),
        ],
        "para": [],
    },
    {
        "key": "pg-asyncpg-prepared-pgbouncer",
        "repo": "billing-api",
        "turns": [
            "after moving billing-api behind pgbouncer: asyncpg.exceptions.DuplicatePrepared"
            'StatementError: prepared statement "__asyncpg_stmt_1a__" already exists',
            """
            asyncpg prepares every statement and caches it per connection, but in transaction
            mode PgBouncer hands your "connection" a different server connection each
            transaction, where that name may already exist (or not exist). Turn off asyncpg's
            statement cache:

            ```python
            engine = create_async_engine(
                url,
                connect_args={"statement_cache_size": 0, "prepared_statement_cache_size": 0},
            )
            ```

            The cost is a parse per query, negligible for your queries.
            """,
            ("$", "pytest -q tests/integration -k pgbouncer", "6 passed in 3.91s"),
            "The integration tests against the compose PgBouncer pass.",
        ],
        "msg": "db: no asyncpg statement cache behind pgbouncer",
        "q": [("keywords", "DuplicatePreparedStatementError asyncpg pgbouncer")],
        "para": [],
    },
    {
        "key": "pg-fastapi-session-leak",
        "repo": "billing-api",
        "title": "BILL-530 pool exhaustion",
        "turns": [
            "billing-api runs out of db connections after a few hours (QueuePool limit of size "
            "10 overflow 20 reached). restart fixes it. leak?",
            (
                "$",
                "grep -rn 'SessionLocal()' billing/ | head",
                "billing/deps.py:9:    db = SessionLocal()\n"
                "billing/jobs/reminders.py:31:    db = SessionLocal()",
            ),
            (
                "$",
                "sed -n 25,45p billing/jobs/reminders.py",
                "def send_due_reminders():\n    db = SessionLocal()\n    for inv in "
                "due_invoices(db):\n"
                "        notify(inv)\n    db.commit()",
            ),
            """
            `send_due_reminders` opens a session and never closes it; when `notify` raises
            (the mail API times out now and then), the session and its connection stay checked
            out until the process dies. One leak per failure, and after 30 the pool is empty.

            Use the session as a context manager so it's closed on every path:

            ```python
            def send_due_reminders():
                with SessionLocal() as db, db.begin():
                    for inv in due_invoices(db):
                        notify(inv)
            ```

            `deps.py` is fine, it closes in a `finally`.
            """,
            "how can we catch this earlier next time",
            """
            Log the pool status periodically (`engine.pool.status()`), and alert on
            "checked out" climbing while traffic is flat. In tests, an autouse fixture can
            assert `engine.pool.checkedout() == 0` after each test; it would have caught this
            one.
            """,
        ],
        "msg": "reminders: close the db session on every path",
        "q": [
            ("natural", "what was leaking database connections in billing-api"),
            ("keywords", "QueuePool limit overflow reached"),
            ("title", "pool exhaustion billing"),
        ],
        "para": [],
    },
    {
        "key": "pg-statement-timeout-role",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "someone ran a giant report query from metabase and it slowed down the whole "
            "production db. how do I stop that from happening",
            """
            Give Metabase its own role with limits, instead of the app's user:

            ```sql
            CREATE ROLE metabase LOGIN PASSWORD '…';
            GRANT pg_read_all_data TO metabase;   -- PostgreSQL 14+
            ALTER ROLE metabase SET statement_timeout = '60s';
            ALTER ROLE metabase SET work_mem = '64MB';
            ALTER ROLE metabase CONNECTION LIMIT 5;
            ```

            Better still, point Metabase at a read replica so reports never compete with the
            app at all.
            """,
            "we have a replica already. ok so both",
            "Yes: the replica for isolation, the role limits so one report can't monopolise "
            "the replica either. Set `max_standby_streaming_delay` too, or long reports get "
            "cancelled by replication conflicts.",
        ],
        "q": [
            ("natural", "how to stop metabase reports from slowing down the production database")
        ],
        "para": [],
    },
]

family("pg-connections", CONNECTIONS)(written)

OPS: list[Variant] = [
    {
        "key": "pg-dump-restore-parallel",
        "repo": "infra",
        "turns": [
            "moving the crm database from the old vm (pg 14) to the new one (pg 16). dump and "
            "restore is fine, we have a maintenance window. fastest way?",
            """
            Directory format with parallel jobs on both sides, and use the *new* version's
            `pg_dump` (16) against the old server:

            ```bash
            pg_dump -h old-db -U postgres -d crm -Fd -j 8 -f /backup/crm.dump
            pg_restore -h new-db -U postgres -d crm -j 8 --no-owner /backup/crm.dump
            ```

            Roles aren't in a database dump: `pg_dumpall --roles-only` first. After the
            restore, run `vacuumdb --analyze-in-stages` so the planner has statistics before
            the app comes back.
            """,
            (
                "$",
                "time pg_dump -h old-db -U postgres -d crm -Fd -j 8 -f /backup/crm.dump",
                "real\t11m42.380s",
            ),
            (
                "$",
                "time pg_restore -h new-db -U postgres -d crm -j 8 --no-owner /backup/crm.dump",
                "real\t23m05.113s",
            ),
            "Dump 12 minutes, restore 23 minutes, including the index builds.",
            "forgot to ask, extensions? we use pg_trgm",
            "`pg_trgm` ships with PostgreSQL 16's contrib package, and the dump contains "
            "`CREATE EXTENSION pg_trgm`, so it was restored with the schema. `\\dx` on the new "
            "server lists it.",
        ],
        "q": [
            ("natural", "how long did the crm dump and restore take for the move to pg 16"),
            ("keywords", "pg_dump -Fd -j 8 pg_restore"),
        ],
        "para": [],
    },
    {
        "key": "pg-restore-one-table",
        "repo": "billing-api",
        "title": "coupon disaster friday",
        "turns": [
            "someone deleted half the coupons table in prod 😱 we have last night's dump. can "
            "I restore just that table?",
            """
            Yes, if the dump is in custom or directory format (`-Fc`/`-Fd`). Restore it into a
            scratch database first, not over production:

            ```bash
            createdb coupons_restore
            pg_restore -d coupons_restore -t coupons --no-owner nightly.dump
            ```

            Then copy back only the missing rows, so anything created today survives:

            ```sql
            INSERT INTO coupons
            SELECT * FROM dblink('dbname=coupons_restore', 'SELECT * FROM coupons')
              AS r(id bigint, code text, percent int, expires_at timestamptz, created_at timestamptz)
            WHERE NOT EXISTS (SELECT 1 FROM coupons c WHERE c.id = r.id);
            ```
            """,
            (
                "$",
                "pg_restore -l nightly.dump | head -3",
                ";\n; Archive created at 2025-09-18 02:00:04 UTC\n;     Format: CUSTOM",
            ),
            ("person", "custom format, good. run it"),
            (
                "$",
                "pg_restore -d coupons_restore -t coupons --no-owner nightly.dump && psql -d "
                "coupons_restore -Atc 'select count(*) from coupons'",
                "18422",
            ),
            "18,422 coupons in the restored copy; production has 9,310 now, so 9,112 come back.",
        ],
        "q": [
            ("natural", "how did we restore the deleted coupons from the nightly dump"),
            ("title", "coupon disaster"),
        ],
        "para": [],
    },
    {
        "key": "pg-copy-csv",
        "repo": "data-notebooks",
        "chat": True,
        "turns": [
            "quick: export a postgres query to csv from psql, I don't have access to the "
            "server's filesystem",
            """
            Use `\\copy` (client-side), not `COPY` (which writes on the server):

            ```
            \\copy (SELECT id, email, created_at FROM users WHERE created_at > '2025-01-01') TO 'users.csv' WITH (FORMAT csv, HEADER)
            ```

            It has to be on one line. Or from the shell:
            `psql "$DATABASE_URL" -c "\\copy (…) TO STDOUT WITH (FORMAT csv, HEADER)" > users.csv`.
            """,
            "and importing a csv into an existing table the same way?",
            "`\\copy users_import FROM 'users.csv' WITH (FORMAT csv, HEADER)`: the columns must "
            "be in the same order as the table's, or list them: `\\copy users_import (id, "
            "email, created_at) FROM …`.",
        ],
        "q": [("natural", "how do I export a query to csv with psql without server access")],
        "para": [],
    },
    {
        "key": "pg-upgrade-link",
        "repo": "infra",
        "turns": [
            "self-hosted postgres 13 → 16 upgrade on the analytics box, 900GB. dump/restore "
            "would take a day. alternatives?",
            """
            `pg_upgrade --link`: it reuses the data files with hard links instead of copying
            them, so the upgrade takes minutes regardless of size.

            ```bash
            /usr/lib/postgresql/16/bin/pg_upgrade \\
              -b /usr/lib/postgresql/13/bin -B /usr/lib/postgresql/16/bin \\
              -d /var/lib/postgresql/13/main -D /var/lib/postgresql/16/main \\
              --link --check
            ```

            Run with `--check` first (no changes), then without. The catch: once the new
            server has started, the old cluster can't be used anymore (they share files), so
            take a snapshot of the volume before.
            """,
            (
                "$",
                "sudo -u postgres /usr/lib/postgresql/16/bin/pg_upgrade -b "
                "/usr/lib/postgresql/13/bin "
                "-B /usr/lib/postgresql/16/bin -d /var/lib/postgresql/13/main -D "
                "/var/lib/postgresql/16/main --link --check",
                "Performing Consistency Checks\n-----------------------------\n"
                "Checking cluster versions                                     ok\n"
                'Checking for incompatible "aclitem" data type in user tables  ok\n'
                "*Clusters are compatible*",
            ),
            ("person", "compatible. snapshot is taken. go"),
            (
                "$",
                "sudo -u postgres /usr/lib/postgresql/16/bin/pg_upgrade -b "
                "/usr/lib/postgresql/13/bin "
                "-B /usr/lib/postgresql/16/bin -d /var/lib/postgresql/13/main -D "
                "/var/lib/postgresql/16/main --link",
                "Upgrade Complete\n----------------\nOptimizer statistics are not transferred by "
                "pg_upgrade.\nOnce you start the new server, consider running:\n"
                "    /usr/lib/postgresql/16/bin/vacuumdb --all --analyze-in-stages",
            ),
            "Done in 3 minutes. Start 16 and run the `vacuumdb --analyze-in-stages` it suggests.",
        ],
        "q": [("keywords", "pg_upgrade --link 13 16")],
        "para": [],
    },
]

family("pg-ops", OPS)(written)

SCHEMA: list[Variant] = [
    {
        "key": "alembic-enum-autogenerate",
        "repo": "billing-api",
        "turns": [
            "added 'refunded' to the InvoiceStatus enum but alembic revision --autogenerate "
            "produced an empty migration",
            """
            Autogenerate doesn't compare the values of a Postgres `ENUM` type, only tables and
            columns, so it doesn't see the new value. Write it by hand:

            ```python
            def upgrade():
                op.execute("ALTER TYPE invoice_status ADD VALUE IF NOT EXISTS 'refunded'")

            def downgrade():
                pass  # Postgres can't drop an enum value
            ```

            Before PostgreSQL 12, `ADD VALUE` couldn't run inside a transaction block; you're
            on 15, fine. But the new value can't be *used* in the same transaction that added
            it, so don't backfill in this migration.
            """,
            "could a package do the enum diff for us?",
            "`alembic-postgresql-enum` adds enum comparison to autogenerate; it handles added "
            "and removed values. For one value a year, the hand-written migration is simpler.",
        ],
        "msg": "invoices: add the refunded status",
        "q": [("natural", "why was the alembic autogenerate empty when i added an enum value")],
        "para": [],
    },
    {
        "key": "alembic-multiple-heads",
        "repo": "billing-api",
        "turns": [
            "deploy failed: 'Multiple head revisions are present for given argument 'head''. "
            "two PRs both added migrations",
            ("$", "alembic heads", "a91f02c3d1e7 (head)\n4be0c7715d2a (head)"),
            """
            Both migrations have the same parent, so the history forked. Make a merge
            revision that depends on both; it has no schema changes of its own:

            ```bash
            alembic merge -m "merge coupons and tax ids" a91f02c3d1e7 4be0c7715d2a
            ```

            The two branches touch different tables (`coupons` and `customers.tax_id`), so
            their order doesn't matter.
            """,
            (
                "$",
                "alembic merge -m 'merge coupons and tax ids' a91f02c3d1e7 4be0c7715d2a && "
                "alembic heads",
                "Generating "
                "/home/ann/src/billing-api/migrations/versions/0c3e5a_merge_coupons_and_tax_ids.py ...  done\n"
                "0c3e5a9b1f44 (head)",
            ),
            ("person", "can CI catch this before merge?"),
            "Yes: a test that runs `alembic heads` and asserts exactly one line. I added "
            "`tests/test_migrations.py::test_single_head`.",
        ],
        "msg": "migrations: merge the two heads, test that there is one",
        "q": [
            ("keywords", "alembic multiple head revisions merge"),
        ],
        "para": [],
    },
    {
        "key": "django-migration-conflict",
        "repo": "legacy-crm",
        "turns": [
            "Conflicting migrations detected; multiple leaf nodes in the migration graph: "
            "(0091_contact_source, 0091_deal_stage_index in crm)",
            """
            Same story as with any migration tool: two branches each added a `0091`. Django
            can create the merge migration:

            ```bash
            python manage.py makemigrations --merge crm
            ```

            It writes `0092_merge_…` with both as dependencies. If the two touched the same
            model fields it would ask you; here one adds a field to `Contact`, the other an
            index on `Deal`, so it's a no-op merge.
            """,
            (
                "$",
                "python manage.py makemigrations --merge crm --noinput",
                "Merging crm\n  Branch 0091_contact_source\n    - Add field source to contact\n"
                "  Branch 0091_deal_stage_index\n    - Create index deal_stage_idx on field(s) "
                "stage of model deal\n"
                "Created new merge migration "
                "/home/ann/src/legacy-crm/crm/migrations/0092_merge_20250611_1012.py",
            ),
            ("person", "ok. also maybe renumber instead of merge? cleaner history"),
            """
            Only if neither `0091` has been applied anywhere shared (staging, prod). Here
            `0091_contact_source` is on staging already, so renaming would make Django think
            it's a new migration there. Keep the merge.
            """,
        ],
        "msg": "crm: merge migrations 0091",
        "q": [("keywords", "Conflicting migrations multiple leaf nodes makemigrations --merge")],
        "para": [],
    },
    {
        "key": "prisma-drift",
        "repo": "notifier",
        "turns": [
            "prisma migrate dev wants to reset my local db: 'Drift detected: Your database "
            "schema is not in sync with your migration history'",
            """
            Something changed the local database outside of migrations, typically a
            `prisma db push` while prototyping, or a manual `ALTER`. `migrate dev` compares the
            database with what the migrations would produce and refuses to continue.

            If the local data doesn't matter, let it reset. If it does, or if the change should
            be kept, turn the drift into a migration:

            ```bash
            npx prisma migrate diff --from-migrations prisma/migrations \\
              --to-schema-datamodel prisma/schema.prisma --script > drift.sql
            ```

            and look at `drift.sql` to see what's different.
            """,
            (
                "$",
                "npx prisma migrate diff --from-migrations prisma/migrations "
                "--to-schema-datasource "
                "prisma/schema.prisma --script",
                '-- AlterTable\nALTER TABLE "Subscription" ADD COLUMN "digest" BOOLEAN NOT NULL DEFAULT false;',
            ),
            ("person", "oh that's my db push from the digest experiment last week. just reset"),
            (
                "$",
                "npx prisma migrate reset --force",
                "Database reset successful\n\nThe following migration(s) have been applied:\n"
                "migrations/\n  └─ 20250302_init/\n  └─ 20250419_templates/\n✔ Generated Prisma "
                "Client",
            ),
        ],
        "q": [("keywords", "prisma drift detected migrate reset")],
        "para": [],
    },
    {
        "key": "flyway-checksum",
        "repo": "search-service",
        "turns": [
            "search-service won't start: FlywayValidateException: Migration checksum mismatch "
            "for migration version 14",
            """
            Someone edited `V14__listing_geo_index.sql` after it was applied. Flyway stores a
            checksum of each applied script and refuses to start when the file no longer
            matches.
            """,
            (
                "$",
                "git log --oneline -3 -- "
                "src/main/resources/db/migration/V14__listing_geo_index.sql",
                "b2e91aa reformat sql files\n71c0d3f add geo index on listings",
            ),
            """
            It was the formatting commit `b2e91aa` (whitespace only). Two proper ways out:

            - revert the formatting of `V14` so the checksum matches again (safest), or
            - run `flyway repair`, which updates the stored checksums to the current files, on
              every environment.

            I'd revert the file and exclude `db/migration/` from the SQL formatter.
            """,
            "revert + exclude",
        ],
        "msg": "db: restore V14 as applied, keep the formatter away from migrations",
        "q": [("keywords", "flyway checksum mismatch")],
        "para": [],
    },
    {
        "key": "backfill-batches-30m",
        "repo": "payments-gateway",
        "title": "PAY-311 currency backfill",
        "turns": [
            "need to backfill payments.currency from merchants.currency for ~30M rows. a "
            "single UPDATE ... FROM would be one huge transaction, right?",
            """
            Right: one `UPDATE` of 30M rows holds row locks on all of them until it commits,
            bloats the table with 30M dead tuples at once, and produces a WAL spike that the
            replica has to chew through. Batch it by primary key range:

            ```go
            for lo := int64(0); lo <= maxID; lo += 20_000 {
                _, err := db.ExecContext(ctx, `
                    UPDATE payments p SET currency = m.currency
                    FROM merchants m
                    WHERE m.id = p.merchant_id
                      AND p.id >= $1 AND p.id < $2
                      AND p.currency IS NULL`, lo, lo+20_000)
                if err != nil { return err }
                time.Sleep(50 * time.Millisecond) // let autovacuum and the replica breathe
            }
            ```

            Ranges on `id` use the primary key index, and `currency IS NULL` makes it safe to
            restart.
            """,
            (
                "$",
                "go run ./cmd/backfill-currency --batch 20000",
                "batch 1500/1500  rows=29,981,230  elapsed=41m12s  replica_lag_max=1.8s",
            ),
            "41 minutes, replica lag never above 2 s.",
        ],
        "q": [
            ("natural", "how did we backfill the currency column without one giant update"),
            ("title", "PAY-311"),
        ],
        "para": [],
    },
]

family("schema-migrations", SCHEMA)(written)
