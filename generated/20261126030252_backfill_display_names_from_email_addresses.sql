-- schemactl revision 20261126030252
-- parent: 20261126030251
-- kind: manual
-- message: Backfill display names from email addresses
-- schema-before: e3e5b5c462ab16ff00d87ec0064b7c105fe28ca0896a4353459e0933dc2e170b
-- schema-after: e3e5b5c462ab16ff00d87ec0064b7c105fe28ca0896a4353459e0933dc2e170b
-- hazards: none
-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.

-- schemactl:up
-- Existing accounts get the local part of their email address as display name, so that
-- the next revision can make the column NOT NULL.
UPDATE portal.users
   SET display_name = left(split_part(email::text, '@', 1), 120)
 WHERE display_name IS NULL OR btrim(display_name) = '';

-- schemactl:down
-- Nothing to undo: the previous revision's down section drops the column.
