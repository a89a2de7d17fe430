-- schemactl revision 20261126015447
-- parent: 20261126015445
-- kind: planned
-- message: Display names are required
-- schema-before: e3e5b5c462ab16ff00d87ec0064b7c105fe28ca0896a4353459e0933dc2e170b
-- schema-after: 26ea30c48732a8c2105ef2539207a11df86914bd298e6ddcdacc0bd963a44d3d
-- hazards: validation-scan
-- Sealed in schemactl.sum. Edit only before it is applied anywhere, then run `schemactl reseal`.

-- schemactl:up
-- hazard validation-scan: SET NOT NULL scans the table for NULLs in display_name
ALTER TABLE portal.users ALTER COLUMN display_name SET NOT NULL;

-- hazard validation-scan: checks every existing row while blocking writes
ALTER TABLE portal.users ADD CONSTRAINT users_display_name_not_blank CHECK ((btrim((display_name)::text) <> ''::text));

-- schemactl:down
ALTER TABLE portal.users DROP CONSTRAINT users_display_name_not_blank;

ALTER TABLE portal.users ALTER COLUMN display_name DROP NOT NULL;
