-- schemactl revision 20261126030248
-- parent: none
-- kind: planned
-- message: Portal users, dashboards and widgets
-- schema-before: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
-- schema-after: e6b842c320f105785dc8fd90b5abbd7d1313ea9a1a0b1b37e3f4001f6e0461f5
-- hazards: none
-- expects: relation "portal"."dashboards" absent
-- expects: relation "portal"."dashboards_public_idx" absent
-- expects: relation "portal"."user_number_seq" absent
-- expects: relation "portal"."users" absent
-- expects: relation "portal"."users_created_at_idx" absent
-- expects: relation "portal"."widgets" absent
-- expects: relation "portal"."widgets_kind_idx" absent
-- expects: schema "portal" absent
-- expects: type "portal"."audit_action" absent
-- expects: type "portal"."user_role" absent
-- expects: type "portal"."widget_kind" absent
-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.

-- schemactl:up
SET lock_timeout = '5s';
SET statement_timeout = '1min';

CREATE SCHEMA portal;

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public VERSION '1.6';

CREATE TYPE portal.audit_action AS ENUM ('login', 'create', 'update', 'delete', 'share');

CREATE TYPE portal.user_role AS ENUM ('viewer', 'editor', 'admin');

CREATE TYPE portal.widget_kind AS ENUM ('chart', 'table', 'metric', 'text');

CREATE SEQUENCE portal.user_number_seq AS integer START WITH 1000;

CREATE TABLE portal.dashboards (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    owner_id bigint NOT NULL,
    title character varying(200) NOT NULL,
    slug text NOT NULL,
    is_public boolean DEFAULT false NOT NULL,
    layout jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT dashboards_owner_slug_key UNIQUE (owner_id, slug),
    CONSTRAINT dashboards_pkey PRIMARY KEY (id),
    CONSTRAINT dashboards_slug_format CHECK ((slug ~ '^[a-z0-9-]+$'::text))
);

CREATE TABLE portal.users (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    user_number integer DEFAULT nextval('portal.user_number_seq'::regclass) NOT NULL,
    email public.citext NOT NULL,
    role portal.user_role DEFAULT 'viewer'::portal.user_role NOT NULL,
    password_hash text,
    last_login_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_pkey PRIMARY KEY (id)
);

ALTER SEQUENCE portal.user_number_seq OWNED BY portal.users.user_number;

CREATE TABLE portal.widgets (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    dashboard_id bigint NOT NULL,
    kind portal.widget_kind NOT NULL,
    "position" smallint NOT NULL,
    width smallint DEFAULT 4 NOT NULL,
    config jsonb DEFAULT '{}'::jsonb NOT NULL,
    refresh_every interval DEFAULT '00:05:00'::interval,
    CONSTRAINT widgets_dashboard_position_key UNIQUE (dashboard_id, "position") DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT widgets_pkey PRIMARY KEY (id),
    CONSTRAINT widgets_position_check CHECK (("position" >= 0)),
    CONSTRAINT widgets_width_check CHECK (((width >= 1) AND (width <= 12)))
);

CREATE INDEX dashboards_public_idx ON portal.dashboards USING btree (updated_at DESC) WHERE is_public;

CREATE INDEX users_created_at_idx ON portal.users USING btree (created_at);

CREATE INDEX widgets_kind_idx ON portal.widgets USING btree (kind);

ALTER TABLE portal.dashboards ADD CONSTRAINT dashboards_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES portal.users(id) ON DELETE CASCADE;

ALTER TABLE portal.widgets ADD CONSTRAINT widgets_dashboard_id_fkey FOREIGN KEY (dashboard_id) REFERENCES portal.dashboards(id) ON DELETE CASCADE;

COMMENT ON SCHEMA portal IS 'The web dashboard';

COMMENT ON TABLE portal.dashboards IS 'A page of widgets owned by one user';

COMMENT ON TABLE portal.users IS 'People who sign in to the portal';

COMMENT ON COLUMN portal.users.password_hash IS 'NULL for single-sign-on accounts';

COMMENT ON COLUMN portal.widgets."position" IS 'Zero-based slot in the dashboard grid';

-- schemactl:down
SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE portal.dashboards DROP CONSTRAINT dashboards_owner_id_fkey;

ALTER TABLE portal.widgets DROP CONSTRAINT widgets_dashboard_id_fkey;

-- hazard data-loss: drops table portal.dashboards and all its rows
DROP TABLE portal.dashboards;

-- hazard data-loss: drops table portal.users and all its rows
DROP TABLE portal.users;

-- hazard data-loss: drops table portal.widgets and all its rows
DROP TABLE portal.widgets;

DROP TYPE portal.audit_action;

DROP TYPE portal.user_role;

DROP TYPE portal.widget_kind;

DROP EXTENSION citext;

DROP SCHEMA portal;
