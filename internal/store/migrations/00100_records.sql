-- +goose Up
-- The records of SPEC §2 around the funnel (seed 001: 线索-客户-商机-合同-回款-报表):
-- leads before it, contracts, payments and invoices after a win.

-- A lead is fragmentary: a company, maybe a person, a need. Converting it
-- links it to what it became; it is then read-only.
CREATE TABLE leads (
    id             TEXT PRIMARY KEY,
    company_name   TEXT NOT NULL,
    contact_name   TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    need           TEXT NOT NULL DEFAULT '',
    owner_id       TEXT NOT NULL REFERENCES users(id),
    status         TEXT NOT NULL,
    discard_reason TEXT NOT NULL DEFAULT '',
    customer_id    TEXT REFERENCES customers(id) ON DELETE SET NULL,
    contact_id     TEXT REFERENCES contacts(id) ON DELETE SET NULL,
    opportunity_id TEXT REFERENCES opportunities(id),
    converted_at   BIGINT,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX leads_owner ON leads(owner_id, id);

-- A contract is signed on a won deal; customer_id is the deal's, kept for
-- listing by customer.
CREATE TABLE contracts (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id),
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    number         TEXT NOT NULL UNIQUE,
    signed_on      TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL,
    currency       TEXT NOT NULL DEFAULT 'CNY',
    note           TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX contracts_opportunity ON contracts(opportunity_id);
CREATE INDEX contracts_customer ON contracts(customer_id);

-- Payments 回款: kind 'plan' is a line of the payment plan (on = due date),
-- kind 'receipt' money received (on = received date).
CREATE TABLE payments (
    id          TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    on_date     TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX payments_contract ON payments(contract_id, kind, on_date);

CREATE TABLE invoices (
    id          TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    number      TEXT NOT NULL UNIQUE,
    issued_on   TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX invoices_contract ON invoices(contract_id);

-- +goose Down
DROP TABLE invoices;
DROP TABLE payments;
DROP TABLE contracts;
DROP TABLE leads;
