"""Versioned migrations of the ``core`` schema, applied at start-up under an advisory lock.

Two servers starting at once serialise on the lock; the second finds nothing left to do.
Migrations are append-only: never edit one that has shipped, add the next version.
"""

from __future__ import annotations

from typing import Any

from .pg import Database

# an arbitrary constant: the advisory lock that serialises migrations across processes
MIGRATION_LOCK_KEY = 0x7477656E7479  # "twenty"

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "accounts, workspaces, tokens and API keys",
        [
            """CREATE TABLE core.setting (
                key text PRIMARY KEY,
                value text NOT NULL
            )""",
            """CREATE TABLE core.workspace (
                id uuid PRIMARY KEY,
                name text NOT NULL,
                schema_name text NOT NULL UNIQUE,
                metadata_version bigint NOT NULL DEFAULT 1,
                created_at timestamptz NOT NULL DEFAULT now(),
                deleted_at timestamptz
            )""",
            """CREATE TABLE core."user" (
                id uuid PRIMARY KEY,
                email text NOT NULL,
                password_hash text NOT NULL,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                created_at timestamptz NOT NULL DEFAULT now(),
                deleted_at timestamptz
            )""",
            """CREATE UNIQUE INDEX user_email_key ON core."user" (lower(email))""",
            """CREATE TABLE core.refresh_token (
                id uuid PRIMARY KEY,
                family_id uuid NOT NULL,
                user_id uuid NOT NULL REFERENCES core."user"(id) ON DELETE CASCADE,
                expires_at timestamptz NOT NULL,
                used_at timestamptz,
                revoked_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now()
            )""",
            """CREATE INDEX refresh_token_family ON core.refresh_token (family_id)""",
            """CREATE TABLE core.api_key (
                id uuid PRIMARY KEY,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                name text NOT NULL,
                expires_at timestamptz,
                revoked_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            )""",
            """CREATE INDEX api_key_workspace ON core.api_key (workspace_id)""",
        ],
    ),
    (
        2,
        "object and field metadata",
        [
            """CREATE TABLE core.object_metadata (
                id uuid PRIMARY KEY,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                name_singular text NOT NULL,
                name_plural text NOT NULL,
                label_singular text NOT NULL,
                label_plural text NOT NULL,
                description text,
                icon text,
                is_custom boolean NOT NULL DEFAULT false,
                is_system boolean NOT NULL DEFAULT false,
                is_active boolean NOT NULL DEFAULT true,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (workspace_id, name_singular),
                UNIQUE (workspace_id, name_plural)
            )""",
            """CREATE TABLE core.field_metadata (
                id uuid PRIMARY KEY,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                object_id uuid NOT NULL REFERENCES core.object_metadata(id) ON DELETE CASCADE,
                name text NOT NULL,
                label text NOT NULL,
                type text NOT NULL,
                description text,
                icon text,
                is_custom boolean NOT NULL DEFAULT false,
                is_system boolean NOT NULL DEFAULT false,
                is_active boolean NOT NULL DEFAULT true,
                is_nullable boolean NOT NULL DEFAULT true,
                default_value jsonb,
                options jsonb,
                relation jsonb,
                position integer NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (object_id, name)
            )""",
            """CREATE INDEX field_metadata_workspace ON core.field_metadata (workspace_id)""",
        ],
    ),
    (
        3,
        "webhooks and their deliveries (the outbox)",
        [
            """CREATE TABLE core.webhook (
                id uuid PRIMARY KEY,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                target_url text NOT NULL,
                operation text NOT NULL,
                object_pattern text NOT NULL,
                action_pattern text NOT NULL,
                description text,
                secret text NOT NULL,
                dispatched_seq bigint NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            )""",
            """CREATE INDEX webhook_workspace ON core.webhook (workspace_id)""",
            """CREATE TABLE core.webhook_delivery (
                id uuid PRIMARY KEY,
                webhook_id uuid NOT NULL REFERENCES core.webhook(id) ON DELETE CASCADE,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                event_seq bigint NOT NULL,
                event_id text NOT NULL,
                event text NOT NULL,
                record_id uuid,
                payload jsonb NOT NULL,
                status text NOT NULL DEFAULT 'pending',
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                lease_until timestamptz,
                last_error text,
                last_status_code integer,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (webhook_id, event_seq)
            )""",
            """CREATE INDEX webhook_delivery_due ON core.webhook_delivery (next_attempt_at)
                WHERE status IN ('pending', 'sending')""",
            """CREATE INDEX webhook_delivery_record ON core.webhook_delivery (webhook_id, record_id, event_seq)""",
        ],
    ),
    (
        4,
        "several operations per webhook, kept as given and as object.action patterns",
        [
            """ALTER TABLE core.webhook ADD COLUMN operations text[] NOT NULL DEFAULT '{}',
                                        ADD COLUMN patterns text[] NOT NULL DEFAULT '{}'""",
            """UPDATE core.webhook SET operations = ARRAY[operation],
                                      patterns = ARRAY[object_pattern || '.' || action_pattern]""",
            """ALTER TABLE core.webhook DROP COLUMN operation, DROP COLUMN object_pattern,
                                        DROP COLUMN action_pattern""",
        ],
    ),
    (
        5,
        "rate-limit buckets shared by every server process, leased a few tokens at a time",
        [
            # one row per caller and API ("api_key:<id>:graphql"); a row untouched for a minute is a full
            # bucket, the same as no row, so old rows may be deleted at any time
            """CREATE TABLE core.rate_bucket (
                key text PRIMARY KEY,
                tokens double precision NOT NULL,
                refilled_at timestamptz NOT NULL
            )""",
            # one round trip per lease: refill the bucket for the time since its last lease, take the
            # tokens the caller spent on credit (``owed``, even below zero: the debt is paid by waiting)
            # and up to ``wanted`` more; answer what was granted, what is left and how long until the
            # bucket holds a whole token again
            """CREATE FUNCTION core.lease_rate_tokens(
                bucket text, per_minute integer, wanted integer, owed integer, OUT granted integer,
                OUT remaining double precision, OUT wait_s double precision)
            LANGUAGE plpgsql AS $lease$
            DECLARE
                rate double precision := per_minute / 60.0;
                have double precision;
                since timestamptz;
                at timestamptz;
            BEGIN
                INSERT INTO core.rate_bucket (key, tokens, refilled_at)
                    VALUES (bucket, per_minute, clock_timestamp()) ON CONFLICT (key) DO NOTHING;
                SELECT b.tokens, b.refilled_at INTO have, since FROM core.rate_bucket b
                    WHERE b.key = bucket FOR UPDATE;
                at := greatest(since, clock_timestamp());  -- read after the lock: never behind the last lease
                have := least(per_minute::double precision, have + extract(epoch FROM at - since) * rate);
                granted := greatest(0, least(wanted, floor(have - owed)))::integer;
                remaining := have - owed - granted;
                UPDATE core.rate_bucket SET tokens = remaining, refilled_at = at WHERE key = bucket;
                wait_s := CASE WHEN remaining >= 1 THEN 0 ELSE (1 - remaining) / rate END;
            END
            $lease$""",
        ],
    ),
    (
        6,
        "roles (Twenty's RBAC): per-object permissions, a role per API key, Admin and Member everywhere",
        [
            """CREATE TABLE core.role (
                id uuid PRIMARY KEY,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                standard_id uuid,
                label text NOT NULL,
                description text,
                icon text,
                is_editable boolean NOT NULL DEFAULT true,
                can_update_all_settings boolean NOT NULL DEFAULT false,
                can_read_all_object_records boolean NOT NULL DEFAULT false,
                can_update_all_object_records boolean NOT NULL DEFAULT false,
                can_soft_delete_all_object_records boolean NOT NULL DEFAULT false,
                can_destroy_all_object_records boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (workspace_id, label)
            )""",
            # a flag left NULL follows the role's own can*AllObjectRecords
            """CREATE TABLE core.object_permission (
                role_id uuid NOT NULL REFERENCES core.role(id) ON DELETE CASCADE,
                object_metadata_id uuid NOT NULL REFERENCES core.object_metadata(id) ON DELETE CASCADE,
                workspace_id uuid NOT NULL REFERENCES core.workspace(id) ON DELETE CASCADE,
                can_read_object_records boolean,
                can_update_object_records boolean,
                can_soft_delete_object_records boolean,
                can_destroy_object_records boolean,
                PRIMARY KEY (role_id, object_metadata_id)
            )""",
            # no cascade: a role some key still has cannot be deleted (the key would gain full access)
            """ALTER TABLE core.api_key ADD COLUMN role_id uuid REFERENCES core.role(id)""",
            """INSERT INTO core.role (id, workspace_id, standard_id, label, description, icon, is_editable,
                                      can_update_all_settings, can_read_all_object_records,
                                      can_update_all_object_records, can_soft_delete_all_object_records,
                                      can_destroy_all_object_records)
               SELECT gen_random_uuid(), w.id, s.standard_id, s.label, s.description, s.icon, s.is_editable,
                      s.settings, true, true, true, true
               FROM core.workspace w CROSS JOIN (VALUES
                   ('20202020-0001-0001-0001-000000000001'::uuid, 'Admin', 'Admin role', 'IconUserCog', false,
                    true),
                   ('20202020-0001-0001-0001-000000000002'::uuid, 'Member', 'Member role', 'IconUser', true,
                    false)) AS s (standard_id, label, description, icon, is_editable, settings)""",
        ],
    ),
    (
        7,
        "Twenty's composite LINKS, EMAILS and PHONES fields over the standard company and person fields",
        [
            # the plain fields' columns (domainName, email, phone…) keep their values and become the primary
            # sub-fields; each workspace's company and person tables get the other sub-fields' columns
            # (model.TWENTY_COMPOSITES); a workspace whose schema is gone is skipped
            """DO $twenty$
            DECLARE
                ws record;
            BEGIN
                FOR ws IN SELECT w.schema_name FROM core.workspace w
                           WHERE to_regclass(format('%I.company', w.schema_name)) IS NOT NULL LOOP
                    EXECUTE format('ALTER TABLE %I.company '
                        'ADD COLUMN IF NOT EXISTS "domainNamePrimaryLinkLabel" text, '
                        'ADD COLUMN IF NOT EXISTS "domainNameSecondaryLinks" jsonb, '
                        'ADD COLUMN IF NOT EXISTS "linkedinLinkPrimaryLinkLabel" text, '
                        'ADD COLUMN IF NOT EXISTS "linkedinLinkSecondaryLinks" jsonb, '
                        'ADD COLUMN IF NOT EXISTS "xLinkPrimaryLinkLabel" text, '
                        'ADD COLUMN IF NOT EXISTS "xLinkSecondaryLinks" jsonb', ws.schema_name);
                END LOOP;
                FOR ws IN SELECT w.schema_name FROM core.workspace w
                           WHERE to_regclass(format('%I.person', w.schema_name)) IS NOT NULL LOOP
                    EXECUTE format('ALTER TABLE %I.person '
                        'ADD COLUMN IF NOT EXISTS "emailsAdditionalEmails" jsonb, '
                        'ADD COLUMN IF NOT EXISTS "phonesPrimaryPhoneCountryCode" text, '
                        'ADD COLUMN IF NOT EXISTS "phonesPrimaryPhoneCallingCode" text, '
                        'ADD COLUMN IF NOT EXISTS "phonesAdditionalPhones" jsonb, '
                        'ADD COLUMN IF NOT EXISTS "linkedinLinkPrimaryLinkLabel" text, '
                        'ADD COLUMN IF NOT EXISTS "linkedinLinkSecondaryLinks" jsonb, '
                        'ADD COLUMN IF NOT EXISTS "xLinkPrimaryLinkLabel" text, '
                        'ADD COLUMN IF NOT EXISTS "xLinkSecondaryLinks" jsonb', ws.schema_name);
                END LOOP;
            END
            $twenty$""",
        ],
    ),
    (
        8,
        "unique fields (Twenty's isUnique): company domainName and person email are unique where data allows",
        [
            """ALTER TABLE core.field_metadata ADD COLUMN is_unique boolean NOT NULL DEFAULT false""",
            # Each workspace's company domainName and person email get a unique index (ddl.unique_index:
            # live and deleted records, the empty text excepted), and their fields become unique. A workspace
            # whose records already share a value is left as it was, its field not unique: nothing is
            # changed or deleted behind its owner's back. Once the duplicates are merged or destroyed,
            # updateOneField(isUnique: true) makes the field unique (see README, "Coming from Twenty").
            """DO $unique$
            DECLARE
                f record;
                shared boolean;
            BEGIN
                FOR f IN SELECT fm.id, fm.workspace_id, w.schema_name, o.name_singular AS tbl, fm.name AS col
                         FROM core.field_metadata fm
                         JOIN core.object_metadata o ON o.id = fm.object_id
                         JOIN core.workspace w ON w.id = fm.workspace_id
                         WHERE NOT o.is_custom AND NOT fm.is_custom
                           AND ((o.name_singular = 'company' AND fm.name = 'domainName')
                                OR (o.name_singular = 'person' AND fm.name = 'email'))
                           AND to_regclass(format('%I.%I', w.schema_name, o.name_singular)) IS NOT NULL LOOP
                    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE %I <> '''' GROUP BY %I '
                                   'HAVING count(*) > 1)', f.schema_name, f.tbl, f.col, f.col) INTO shared;
                    IF shared THEN
                        RAISE WARNING 'workspace schema %: %.% has duplicate values; it stays not unique',
                            f.schema_name, f.tbl, f.col;
                        CONTINUE;
                    END IF;
                    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I.%I (%I) WHERE %I <> ''''',
                                   'unique_' || replace(f.id::text, '-', ''), f.schema_name, f.tbl, f.col,
                                   f.col);
                    UPDATE core.field_metadata SET is_unique = true WHERE id = f.id;
                    UPDATE core.workspace SET metadata_version = metadata_version + 1
                        WHERE id = f.workspace_id;
                END LOOP;
            END
            $unique$""",
        ],
    ),
]


async def _migrate(conn: Any) -> list[int]:
    applied: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
        await conn.execute("CREATE SCHEMA IF NOT EXISTS core")
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS core.migration (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )"""
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM core.migration")}
        for version, name, statements in MIGRATIONS:
            if version in done:
                continue
            for statement in statements:
                await conn.execute(statement)
            await conn.execute("INSERT INTO core.migration (version, name) VALUES ($1, $2)", version, name)
            applied.append(version)
    return applied


async def apply_migrations(db: Database) -> list[int]:
    """Bring the core schema up to date; the versions this call applied."""
    return await db.with_connection(_migrate)
