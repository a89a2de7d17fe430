-- schemactl revision 20261126030249
-- parent: 20261126030248
-- kind: planned
-- message: Audit log
-- schema-before: e6b842c320f105785dc8fd90b5abbd7d1313ea9a1a0b1b37e3f4001f6e0461f5
-- schema-after: d6b3f44c301f6982b29ac9b5a88a25ff4649668e86c63d9b222b2ef95cc8e67f
-- hazards: none
-- expects: relation "portal"."audit_log" absent
-- expects: relation "portal"."audit_log_actor_idx" absent
-- expects: relation "portal"."audit_log_created_at_idx" absent
-- expects: relation "portal"."audit_log_details_idx" absent
-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.

-- schemactl:up
SET lock_timeout = '5s';
SET statement_timeout = '1min';

CREATE TABLE portal.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    actor_id bigint,
    action portal.audit_action NOT NULL,
    subject text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id)
);

CREATE INDEX audit_log_actor_idx ON portal.audit_log USING btree (actor_id, created_at DESC) WHERE (actor_id IS NOT NULL);

CREATE INDEX audit_log_created_at_idx ON portal.audit_log USING btree (created_at DESC);

CREATE INDEX audit_log_details_idx ON portal.audit_log USING gin (details jsonb_path_ops);

ALTER TABLE portal.audit_log ADD CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES portal.users(id) ON DELETE SET NULL;

COMMENT ON TABLE portal.audit_log IS 'Append-only record of user actions';

-- schemactl:down
SET lock_timeout = '5s';
SET statement_timeout = '1min';

-- hazard data-loss: drops table portal.audit_log and all its rows
DROP TABLE portal.audit_log;
