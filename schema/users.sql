CREATE SCHEMA portal;
COMMENT ON SCHEMA portal IS 'The web dashboard';

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

CREATE SEQUENCE portal.user_number_seq AS integer START WITH 1000;

CREATE TABLE portal.users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_number   integer NOT NULL DEFAULT nextval('portal.user_number_seq'),
    email         public.citext NOT NULL,
    display_name  varchar(120) NOT NULL,
    role          portal.user_role NOT NULL DEFAULT 'viewer',
    password_hash text,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_display_name_not_blank CHECK (btrim(display_name) <> '')
);
ALTER SEQUENCE portal.user_number_seq OWNED BY portal.users.user_number;

CREATE INDEX users_created_at_idx ON portal.users (created_at);

COMMENT ON TABLE portal.users IS 'People who sign in to the portal';
COMMENT ON COLUMN portal.users.password_hash IS 'NULL for single-sign-on accounts';
