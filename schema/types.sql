CREATE TYPE portal.user_role AS ENUM ('viewer', 'editor', 'admin');
CREATE TYPE portal.widget_kind AS ENUM ('chart', 'table', 'metric', 'text');
CREATE TYPE portal.audit_action AS ENUM ('login', 'create', 'update', 'delete', 'share');
