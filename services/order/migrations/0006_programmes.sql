-- The regency's programmes (domain/programme.h): budgets, benefits held by orders, eligible
-- residents (keyed hashes only, never the numbers), caps per holder and per stall. The budget
-- is held exactly: a benefit is held with the programme row locked in the transaction that
-- places the order, and the CHECK below makes an overspend impossible even for a bug.
CREATE TABLE programmes (
  id                        uuid PRIMARY KEY,
  name                      text NOT NULL,
  market_ids                uuid[] NOT NULL,
  starts_at                 timestamptz NOT NULL,
  ends_at                   timestamptz NOT NULL,
  budget_idr                bigint NOT NULL CHECK (budget_idr > 0),
  top_ups_idr               bigint NOT NULL DEFAULT 0 CHECK (top_ups_idr >= 0),
  held_idr                  bigint NOT NULL DEFAULT 0 CHECK (held_idr >= 0),
  spent_idr                 bigint NOT NULL DEFAULT 0 CHECK (spent_idr >= 0),
  benefits_applied          bigint NOT NULL DEFAULT 0 CHECK (benefits_applied >= 0),
  subsidy_max_per_order_idr bigint NOT NULL CHECK (subsidy_max_per_order_idr >= 0),
  subsidy_min_goods_idr     bigint NOT NULL CHECK (subsidy_min_goods_idr >= 0),
  subsidy_max_distance_m    bigint NOT NULL CHECK (subsidy_max_distance_m >= 0),
  voucher_per_resident_idr  bigint NOT NULL CHECK (voucher_per_resident_idr >= 0),
  cap_per_order_idr         bigint NOT NULL CHECK (cap_per_order_idr >= 0),
  cap_per_resident_idr      bigint NOT NULL CHECK (cap_per_resident_idr >= 0),
  stall_turnover_cap_idr    bigint NOT NULL CHECK (stall_turnover_cap_idr >= 0),
  residents_only            boolean NOT NULL,
  priority_reserve_idr      bigint NOT NULL CHECK (priority_reserve_idr >= 0),
  state                     text NOT NULL CHECK (state IN ('ACTIVE', 'PAUSED', 'CLOSED')),
  created_by                text NOT NULL,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CHECK (held_idr + spent_idr <= budget_idr + top_ups_idr)
);
CREATE INDEX programmes_by_time ON programmes (created_at DESC, id DESC);

-- Budget top-ups, recorded (the budget itself is never edited).
CREATE TABLE programme_top_ups (
  id           bigserial PRIMARY KEY,
  programme_id uuid NOT NULL REFERENCES programmes (id),
  amount_idr   bigint NOT NULL CHECK (amount_idr > 0),
  note         text NOT NULL,
  subject      text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Eligible residents of a programme: HMAC-SHA256 of the resident number under the service's
-- resident key (hex).
CREATE TABLE programme_residents (
  programme_id  uuid NOT NULL REFERENCES programmes (id),
  resident_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (programme_id, resident_hash)
);

-- A customer's account linked to a resident (regency-wide): one account per resident, one
-- resident per account; the first link wins.
CREATE TABLE resident_links (
  resident_hash    text PRIMARY KEY,
  customer_subject text NOT NULL UNIQUE,
  linked_at        timestamptz NOT NULL DEFAULT now()
);

-- What a holder (a linked resident 'resident:<hash>', else 'customer:<subject>') has of a
-- programme, held or spent: the per-resident cap and the voucher are held on this row.
CREATE TABLE programme_holders (
  programme_id uuid NOT NULL REFERENCES programmes (id),
  holder       text NOT NULL,
  benefit_idr  bigint NOT NULL DEFAULT 0 CHECK (benefit_idr >= 0),
  voucher_idr  bigint NOT NULL DEFAULT 0 CHECK (voucher_idr >= 0),
  orders       bigint NOT NULL DEFAULT 0 CHECK (orders >= 0),
  PRIMARY KEY (programme_id, holder)
);

-- A stall's programme turnover (goods of orders with a benefit, held or spent).
CREATE TABLE programme_stalls (
  programme_id uuid NOT NULL REFERENCES programmes (id),
  stall_id     uuid NOT NULL,
  turnover_idr bigint NOT NULL DEFAULT 0 CHECK (turnover_idr >= 0),
  PRIMARY KEY (programme_id, stall_id)
);

-- The benefit of an order (at most one), held at placement, then spent or released. Held in
-- the placement's transaction before the order row is written (checked at commit).
CREATE TABLE programme_benefits (
  order_id             uuid PRIMARY KEY REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
  programme_id         uuid NOT NULL REFERENCES programmes (id),
  holder               text NOT NULL,
  delivery_subsidy_idr bigint NOT NULL CHECK (delivery_subsidy_idr >= 0),
  voucher_idr          bigint NOT NULL CHECK (voucher_idr >= 0),
  state                text NOT NULL CHECK (state IN ('HELD', 'SPENT', 'RELEASED')),
  payee_id             text,                          -- the courier, once SPENT
  created_at           timestamptz NOT NULL DEFAULT now(),
  spent_at             timestamptz,
  released_at          timestamptz
);
CREATE INDEX programme_benefits_spent ON programme_benefits (programme_id, spent_at)
  WHERE state = 'SPENT';

-- The stalls' turnover an order's benefit holds (goods per stall).
CREATE TABLE programme_benefit_stalls (
  order_id  uuid NOT NULL REFERENCES programme_benefits (order_id),
  stall_id  uuid NOT NULL,
  goods_idr bigint NOT NULL CHECK (goods_idr >= 0),
  PRIMARY KEY (order_id, stall_id)
);

-- The ledger records what a programme owes the courier (domain/ledger.h).
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check,
  ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('TRADER_PAID', 'CUSTOMER_PAID',
    'SERVICE_FEE', 'PROGRAMME_BENEFIT')),
  DROP CONSTRAINT ledger_entries_party_check,
  ADD CONSTRAINT ledger_entries_party_check CHECK (party IN ('CUSTOMER', 'TRADER', 'COURIER',
    'PLATFORM', 'PROGRAMME'));
