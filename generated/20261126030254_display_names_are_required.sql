-- schemactl revision 20261126030254
-- parent: 20261126030252
-- kind: planned
-- message: Display names are required
-- schema-before: e3e5b5c462ab16ff00d87ec0064b7c105fe28ca0896a4353459e0933dc2e170b
-- schema-after: 26ea30c48732a8c2105ef2539207a11df86914bd298e6ddcdacc0bd963a44d3d
-- hazards: validation-scan
-- expects: relation "portal"."users" 01cf4c16694d6d95ac9dea1dd746bdcf
-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.

-- schemactl:up
SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE portal.users ADD CONSTRAINT users_display_name_nn_tmp CHECK (display_name IS NOT NULL) NOT VALID;

SET statement_timeout = '1h';

-- hazard validation-scan: VALIDATE CONSTRAINT reads every row under a SHARE UPDATE EXCLUSIVE lock: reads and writes continue
ALTER TABLE portal.users VALIDATE CONSTRAINT users_display_name_nn_tmp;

SET statement_timeout = '1min';

ALTER TABLE portal.users ALTER COLUMN display_name SET NOT NULL;

ALTER TABLE portal.users DROP CONSTRAINT users_display_name_nn_tmp;

ALTER TABLE portal.users ADD CONSTRAINT users_display_name_not_blank CHECK ((btrim((display_name)::text) <> ''::text)) NOT VALID;

SET statement_timeout = '1h';

-- hazard validation-scan: VALIDATE CONSTRAINT reads every row under a SHARE UPDATE EXCLUSIVE lock: reads and writes continue
ALTER TABLE portal.users VALIDATE CONSTRAINT users_display_name_not_blank;

-- schemactl:down
SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE portal.users DROP CONSTRAINT users_display_name_not_blank;

ALTER TABLE portal.users ALTER COLUMN display_name DROP NOT NULL;
