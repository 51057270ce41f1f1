-- docker-compose only (the local stack does the same in stack.sh): Apicurio Registry keeps its schemas in
-- a database of its own on the stack's PostgreSQL.
create database apicurio owner carestream;
