-- schemactl state after 20261126030254 dc0be48fbd7a2c4bd56a4a8b9d2135063f1c0aeca7b33884ebd1d7d25687d62b
-- The schema after revision 20261126030254: a cache that spares `schemactl plan` replaying every revision.
-- Written by schemactl, sealed by the line above; `schemactl verify` checks it against a full replay.

CREATE SCHEMA portal;

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public VERSION '1.6';

CREATE TYPE portal.audit_action AS ENUM ('login', 'create', 'update', 'delete', 'share');

CREATE TYPE portal.user_role AS ENUM ('viewer', 'editor', 'admin');

CREATE TYPE portal.widget_kind AS ENUM ('chart', 'table', 'metric', 'text');

CREATE SEQUENCE portal.user_number_seq AS integer START WITH 1000;

CREATE TABLE portal.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    actor_id bigint,
    action portal.audit_action NOT NULL,
    subject text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id)
);

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
    display_name character varying(120) NOT NULL,
    CONSTRAINT users_display_name_not_blank CHECK ((btrim((display_name)::text) <> ''::text)),
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

CREATE INDEX audit_log_actor_idx ON portal.audit_log USING btree (actor_id, created_at DESC) WHERE (actor_id IS NOT NULL);

CREATE INDEX audit_log_created_at_idx ON portal.audit_log USING btree (created_at DESC);

CREATE INDEX audit_log_details_idx ON portal.audit_log USING gin (details jsonb_path_ops);

CREATE INDEX dashboards_public_idx ON portal.dashboards USING btree (updated_at DESC) WHERE is_public;

CREATE INDEX users_created_at_idx ON portal.users USING btree (created_at);

CREATE INDEX widgets_kind_idx ON portal.widgets USING btree (kind);

ALTER TABLE portal.audit_log ADD CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES portal.users(id) ON DELETE SET NULL;

ALTER TABLE portal.dashboards ADD CONSTRAINT dashboards_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES portal.users(id) ON DELETE CASCADE;

ALTER TABLE portal.widgets ADD CONSTRAINT widgets_dashboard_id_fkey FOREIGN KEY (dashboard_id) REFERENCES portal.dashboards(id) ON DELETE CASCADE;

COMMENT ON SCHEMA portal IS 'The web dashboard';

COMMENT ON TABLE portal.audit_log IS 'Append-only record of user actions';

COMMENT ON TABLE portal.dashboards IS 'A page of widgets owned by one user';

COMMENT ON TABLE portal.users IS 'People who sign in to the portal';

COMMENT ON COLUMN portal.users.password_hash IS 'NULL for single-sign-on accounts';

COMMENT ON COLUMN portal.widgets."position" IS 'Zero-based slot in the dashboard grid';
