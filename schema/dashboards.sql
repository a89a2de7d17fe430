CREATE TABLE portal.dashboards (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id    bigint NOT NULL REFERENCES portal.users (id) ON DELETE CASCADE,
    title       varchar(200) NOT NULL,
    slug        text NOT NULL,
    is_public   boolean NOT NULL DEFAULT false,
    layout      jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT dashboards_owner_slug_key UNIQUE (owner_id, slug),
    CONSTRAINT dashboards_slug_format CHECK (slug ~ '^[a-z0-9-]+$')
);

CREATE TABLE portal.widgets (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dashboard_id  bigint NOT NULL REFERENCES portal.dashboards (id) ON DELETE CASCADE,
    kind          portal.widget_kind NOT NULL,
    position      smallint NOT NULL CHECK (position >= 0),
    width         smallint NOT NULL DEFAULT 4 CHECK (width BETWEEN 1 AND 12),
    config        jsonb NOT NULL DEFAULT '{}'::jsonb,
    refresh_every interval DEFAULT '5 minutes',
    CONSTRAINT widgets_dashboard_position_key UNIQUE (dashboard_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX widgets_kind_idx ON portal.widgets (kind);
CREATE INDEX dashboards_public_idx ON portal.dashboards (updated_at DESC) WHERE is_public;

COMMENT ON TABLE portal.dashboards IS 'A page of widgets owned by one user';
COMMENT ON COLUMN portal.widgets.position IS 'Zero-based slot in the dashboard grid';
