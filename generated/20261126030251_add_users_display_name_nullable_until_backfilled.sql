-- schemactl revision 20261126030251
-- parent: 20261126030249
-- kind: planned
-- message: Add users.display_name, nullable until backfilled
-- schema-before: d6b3f44c301f6982b29ac9b5a88a25ff4649668e86c63d9b222b2ef95cc8e67f
-- schema-after: e3e5b5c462ab16ff00d87ec0064b7c105fe28ca0896a4353459e0933dc2e170b
-- hazards: none
-- expects: relation "portal"."users" 3be56b3b1ce2d5ef673d828f31d9925a
-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.

-- schemactl:up
SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE portal.users ADD COLUMN display_name character varying(120);

-- schemactl:down
SET lock_timeout = '5s';
SET statement_timeout = '1min';

-- hazard data-loss: drops column display_name and its values
ALTER TABLE portal.users DROP COLUMN display_name;
