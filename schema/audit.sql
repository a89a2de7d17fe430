-- Every change a portal user makes, kept for compliance. Loaded after users.sql even though
-- it sorts first: schemactl orders statements by what they reference, not by file name.
CREATE TABLE portal.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    bigint REFERENCES portal.users (id) ON DELETE SET NULL,
    action      portal.audit_action NOT NULL,
    subject     text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_created_at_idx ON portal.audit_log (created_at DESC);
CREATE INDEX audit_log_actor_idx ON portal.audit_log (actor_id, created_at DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_details_idx ON portal.audit_log USING gin (details jsonb_path_ops);

COMMENT ON TABLE portal.audit_log IS 'Append-only record of user actions';
