-- +goose Up
-- The rules settle a deal's todos by deal (ResolveTodos); without this the
-- planners scan every open todo for each deal.
CREATE INDEX todos_opportunity ON todos(opportunity_id, status);

-- +goose Down
DROP INDEX todos_opportunity;
