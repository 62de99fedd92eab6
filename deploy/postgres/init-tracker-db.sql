-- Run once by the postgres image on an empty data directory (docker-compose.yml):
-- the tracker store's database beside the member store's (POSTGRES_DB=members).
-- Rasa's tracker store (TRACKER_STORE_URL) creates its table `events` itself.
CREATE DATABASE tracker;
