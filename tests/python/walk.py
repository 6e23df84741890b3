#!/usr/bin/python3
"""Pasar's client in another language: one order walked from quote to delivery through the
public gRPC API only, as an operator, a customer, two traders and a courier would.

    /usr/bin/python3 tests/python/walk.py [BIN_DIR]

BIN_DIR (or $PASAR_BIN_DIR) holds pasar-inventory, pasar-order and pasar-dispatch. Servers come
from PASAR_TEST_PG and PASAR_TEST_REDIS (set by scripts/test, or `scripts/stack env`); without
them, or when they are unreachable, the walk FAILS. It creates a fresh database and a unique
Redis prefix, starts the three services with short timers, generates the Python stubs from
proto/ into a temporary folder, prints a transcript, and exits 0 only if every check passed.
The services are stopped and the database dropped in every case.
"""

import math
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import grpc  # noqa: E402

from harness import (Principal, ServiceProcess, StreamRecorder, TempDatabase,  # noqa: E402
                     WalkFailure, check, check_eq, delete_redis_prefix, expect_error,
                     generate_stubs, redis_reachable, require_env, say)

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PROTO_ROOT = os.path.join(REPO, "proto")

# Pasar Baru Lumajang and a drop-off about 2.5 km to the south-east.
MARKET_LAT, MARKET_LNG = -8.1335, 113.2243
DROP_LAT, DROP_LNG = -8.1520, 113.2390
COURIER_LAT, COURIER_LNG = -8.1350, 113.2260  # ~250 m from the market

COURIER_CASH_IDR = 500_000
WAIT_STATE_SECONDS = 30   # an order/ticket change after an action
WAIT_OFFER_SECONDS = 60   # matching windows, relays and hints included
CALL_TIMEOUT_SECONDS = 30  # every unary call (generous: CI runs sanitizer builds on a busy machine)


def rid(label):
    """A fresh request id (idempotency key) for one mutation."""
    return f"walk-{label}-{secrets.token_hex(4)}"


def haversine_m(lat1, lng1, lat2, lng2):
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def string_values(message):
    """Every string value anywhere in a protobuf message (fields set, recursively)."""
    out = []
    for field, value in message.ListFields():
        values = value if field.label == field.LABEL_REPEATED else [value]
        for v in values:
            if field.type == field.TYPE_MESSAGE:
                out.extend(string_values(v))
            elif field.type == field.TYPE_STRING:
                out.append(v)
    return out


def check_hidden(message, secret_values, what):
    leaked = set(string_values(message)) & set(secret_values)
    check(not leaked, f"{what} shows a secret it must not: {sorted(leaked)}")


class Walk:
    def __init__(self, bin_dir, work_dir):
        self.bin_dir = bin_dir
        self.work_dir = work_dir
        self.services = []
        self.recorders = []
        self.database = None
        self.redis_url = None
        self.redis_prefix = None
        self.location_stop = threading.Event()
        self.location_future = None

    # -----------------------------------------------------------------------------------------
    # Set-up and tear-down
    # -----------------------------------------------------------------------------------------

    def start(self):
        pg_admin = require_env("PASAR_TEST_PG")
        self.redis_url = require_env("PASAR_TEST_REDIS")
        redis_reachable(self.redis_url)

        stub_dir = os.path.join(self.work_dir, "stubs")
        os.makedirs(stub_dir)
        files = generate_stubs(PROTO_ROOT, stub_dir)
        say("setup", f"generated Python stubs for {len(files)} protos into {stub_dir}")
        self._import_stubs()

        self.database = TempDatabase(pg_admin)
        say("setup", f"created database {self.database.name}")
        self.redis_prefix = f"tpy{secrets.token_hex(4)}:"
        self.secret = "walk-" + secrets.token_hex(16)
        log_dir = os.path.join(self.work_dir, "logs")
        os.makedirs(log_dir)

        base = {k: v for k, v in os.environ.items() if not k.startswith("PASAR_")}
        base.update({
            "PASAR_PG": self.database.conninfo,
            "PASAR_REDIS": self.redis_url,
            "PASAR_REDIS_PREFIX": self.redis_prefix,
            "PASAR_LISTEN": "127.0.0.1:0",
            "PASAR_METRICS_LISTEN": "",
            "PASAR_JWT_SECRET": self.secret,
            "PASAR_DRAIN_GRACE_SECONDS": "1",
        })
        inventory = self._start_service("inventory", base, {})
        dispatch = self._start_service("dispatch", base, {
            "PASAR_BATCH_WINDOW_MS": "300",
            "PASAR_OFFER_TIMEOUT_MS": "30000",
            "PASAR_LOCATION_FLUSH_MS": "200",
            "PASAR_SWEEP_INTERVAL_MS": "200",
        })
        order = self._start_service("order", base, {
            "PASAR_INVENTORY_ADDR": inventory.address,
            "PASAR_SWEEPER_INTERVAL_MS": "200",
            "PASAR_WATCH_BACKSTOP_MS": "500",
        })

        m = self.m
        ch_inv = grpc.insecure_channel(inventory.address)
        ch_ord = grpc.insecure_channel(order.address)
        ch_dis = grpc.insecure_channel(dispatch.address)
        for name, ch in (("inventory", ch_inv), ("order", ch_ord), ("dispatch", ch_dis)):
            try:
                grpc.channel_ready_future(ch).result(timeout=30)
            except grpc.FutureTimeoutError as e:
                raise WalkFailure(f"{name}: gRPC channel not ready within 30s") from e
        self.catalog = m.inventory_grpc.CatalogServiceStub(ch_inv)
        self.stalls_api = m.inventory_grpc.StallServiceStub(ch_inv)
        self.admin = m.inventory_grpc.MarketAdminServiceStub(ch_inv)
        self.orders = m.order_grpc.OrderServiceStub(ch_ord)
        self.tickets = m.order_grpc.TicketServiceStub(ch_ord)
        self.courier_api = m.dispatch_grpc.CourierServiceStub(ch_dis)
        self.dispatch_ops = m.dispatch_grpc.DispatchOpsServiceStub(ch_dis)

    def _import_stubs(self):
        import importlib

        class Modules:
            pass

        m = Modules()
        m.geo = importlib.import_module("pasar.common.v1.geo_pb2")
        m.inventory = importlib.import_module("pasar.inventory.v1.inventory_pb2")
        m.inventory_grpc = importlib.import_module("pasar.inventory.v1.inventory_pb2_grpc")
        m.order = importlib.import_module("pasar.order.v1.order_pb2")
        m.order_grpc = importlib.import_module("pasar.order.v1.order_pb2_grpc")
        m.dispatch = importlib.import_module("pasar.dispatch.v1.dispatch_pb2")
        m.dispatch_grpc = importlib.import_module("pasar.dispatch.v1.dispatch_pb2_grpc")
        m.timestamp = importlib.import_module("google.protobuf.timestamp_pb2")
        self.m = m

    def _start_service(self, name, base, extra):
        binary = os.path.join(self.bin_dir, f"pasar-{name}")
        service = ServiceProcess(name, binary, {**base, **extra},
                                 os.path.join(self.work_dir, "logs"))
        self.services.append(service)
        say("setup", f"pasar-{name} listening on {service.address}")
        return service

    def stop(self, failed):
        """Always runs: streams cancelled, services stopped (SIGTERM, then SIGKILL), the
        database dropped and this run's Redis keys removed. Never raises; returns the services
        that did not drain cleanly (exit status 0 after SIGTERM)."""
        unclean = []
        self.location_stop.set()
        for recorder in self.recorders:
            try:
                recorder.cancel()
            except Exception as e:  # noqa: BLE001 - tear-down goes on whatever happens
                print(f"teardown: cancelling {recorder.name}: {e}", flush=True)
        for service in reversed(self.services):
            service.terminate()  # all drain at once
        for service in reversed(self.services):
            if failed:
                print(f"\n----- last lines of pasar-{service.name} ({service.log_path}) -----\n"
                      f"{service.tail()}", flush=True)
            try:
                clean, how = service.stop()
                say("teardown", f"pasar-{service.name} {how}")
                if not clean:
                    unclean.append(f"pasar-{service.name} {how}")
            except Exception as e:  # noqa: BLE001
                print(f"teardown: stopping pasar-{service.name}: {e}", flush=True)
                unclean.append(f"pasar-{service.name}: {e}")
        self.services = []
        if self.database is not None:
            try:
                self.database.drop()
                say("teardown", f"dropped database {self.database.name}")
            except Exception as e:  # noqa: BLE001
                print(f"teardown: {e}", flush=True)
        if self.redis_prefix:
            try:
                delete_redis_prefix(self.redis_url, self.redis_prefix)
            except Exception as e:  # noqa: BLE001
                print(f"teardown: removing Redis keys {self.redis_prefix}*: {e}", flush=True)
        return unclean

    # -----------------------------------------------------------------------------------------
    # Helpers
    # -----------------------------------------------------------------------------------------

    def latlng(self, lat, lng):
        return self.m.geo.LatLng(lat=lat, lng=lng)

    def now_ts(self):
        ts = self.m.timestamp.Timestamp()
        ts.GetCurrentTime()
        return ts

    def order_status(self, value):
        return self.m.order.OrderStatus.Name(value)

    def ticket_status(self, value):
        return self.m.order.TicketStatus.Name(value)

    def job_status(self, value):
        return self.m.dispatch.JobStatus.Name(value)

    def record(self, name, open_call, on_message=None):
        recorder = StreamRecorder(name, open_call, on_message)
        self.recorders.append(recorder)
        return recorder

    def poll(self, fetch, predicate, what, timeout=WAIT_STATE_SECONDS, interval=0.2):
        """Calls fetch() until predicate(result) holds; bounded by timeout seconds."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = fetch()
            if predicate(last):
                return last
            if time.monotonic() >= deadline:
                raise WalkFailure(f"{what} not reached within {timeout}s; last seen:\n{last}")
            time.sleep(interval)

    # -----------------------------------------------------------------------------------------
    # The walk
    # -----------------------------------------------------------------------------------------

    def run(self):
        m = self.m
        T = CALL_TIMEOUT_SECONDS
        inv, od, dp = m.inventory, m.order, m.dispatch

        operator = Principal("operator", self.secret, "op-dinas", "operator")

        # ---- Operator: a market open all day, every day; two stalls; a courier ----------------
        hours = inv.OpeningHours(intervals=[
            inv.OpeningInterval(weekday=d, open_minute=0, close_minute=1440) for d in range(1, 8)])
        fee = inv.FeeScheme(kind=inv.FEE_KIND_BASE_PLUS_PER_KM, base_fee_idr=5000,
                            base_meters=2000, per_km_idr=2500, road_factor_permille=1300)
        market = self.admin.CreateMarket(inv.CreateMarketRequest(
            request_id=rid("market"),
            market=inv.Market(name="Pasar Baru Lumajang (walk)",
                              location=self.latlng(MARKET_LAT, MARKET_LNG),
                              address="Jl. Kyai Ilyas, Lumajang", time_zone="Asia/Jakarta",
                              opening_hours=hours, fee_scheme=fee, service_fee_idr=2000,
                              max_delivery_distance_meters=15000, weighed_tolerance_percent=10,
                              trader_response_timeout_seconds=300,
                              dispatch_timeout_seconds=900)),
            metadata=operator.metadata, timeout=T).market
        check(market.id, "CreateMarket returned no id")
        check(market.open_now, "a market open 00:00-24:00 every day must be open_now")
        say("operator", f"created market {market.name!r} {market.id} (open_now={market.open_now})")

        stall_a = self.admin.CreateStall(inv.CreateStallRequest(
            request_id=rid("stall-a"), market_id=market.id, trader_subject="trader-sri",
            name="Sayur Bu Sri", category=inv.CATEGORY_SAYUR, preparation_minutes=10),
            metadata=operator.metadata, timeout=T).stall
        stall_b = self.admin.CreateStall(inv.CreateStallRequest(
            request_id=rid("stall-b"), market_id=market.id, trader_subject="trader-budi",
            name="Tempe Pak Budi", category=inv.CATEGORY_SEMBAKO, preparation_minutes=5),
            metadata=operator.metadata, timeout=T).stall
        check(not stall_a.open and not stall_b.open, "stalls are created closed")
        say("operator", f"created stalls {stall_a.name!r} {stall_a.id} and "
                        f"{stall_b.name!r} {stall_b.id} (closed)")

        courier_row = self.dispatch_ops.CreateCourier(dp.CreateCourierRequest(
            request_id=rid("courier"), subject="courier-andi", name="Andi Ojek",
            phone="+6281234567890", vehicle_plate="N 1234 AB", home_market_id=market.id),
            metadata=operator.metadata, timeout=T).courier
        check_eq(courier_row.state, dp.COURIER_STATE_OFF_DUTY, "a new courier's state")
        say("operator", f"registered courier {courier_row.name!r} {courier_row.id} "
                        f"({courier_row.vehicle_plate}), OFF_DUTY")

        sri = Principal("sri", self.secret, "trader-sri", "trader", [stall_a.id])
        budi = Principal("budi", self.secret, "trader-budi", "trader", [stall_b.id])
        customer = Principal("customer", self.secret, "cust-ayu", "customer")
        stranger = Principal("stranger", self.secret, "cust-stranger", "customer")
        andi = Principal("courier", self.secret, "courier-andi", "courier")

        # ---- Traders: open their stalls, list products (one weighed) -------------------------
        for trader, stall in ((sri, stall_a), (budi, stall_b)):
            opened = self.stalls_api.UpdateStall(inv.UpdateStallRequest(
                request_id=rid("open"), stall_id=stall.id, open=True),
                metadata=trader.metadata, timeout=T).stall
            check(opened.open, f"{stall.name} should be open after UpdateStall(open=true)")
        say("traders", "opened both stalls")

        def create_product(trader, stall, name, category, unit, price, weighed, stock):
            p = self.stalls_api.CreateProduct(inv.CreateProductRequest(
                request_id=rid("product"), stall_id=stall.id, name=name, category=category,
                unit=unit, price_idr=price, weighed=weighed, stock=stock),
                metadata=trader.metadata, timeout=T).product
            check(p.active and p.available, f"new product {name!r} should be available")
            check_eq(p.stock, stock, f"{name} initial stock")
            say(trader.name, f"listed {name!r} at Rp{price}/{unit} (stock {stock}"
                             f"{', weighed' if weighed else ''})")
            return p

        cabai = create_product(sri, stall_a, "Cabai rawit merah", inv.CATEGORY_BUMBU, "kg",
                               60000, True, 20)
        kangkung = create_product(sri, stall_a, "Kangkung", inv.CATEGORY_SAYUR, "ikat", 3000,
                                  False, 40)
        tempe = create_product(budi, stall_b, "Tempe", inv.CATEGORY_SEMBAKO, "bungkus", 5000,
                               False, 30)

        # A trader cannot touch another trader's stall: it does not exist for them.
        expect_error(lambda: self.stalls_api.CreateProduct(inv.CreateProductRequest(
            request_id=rid("foreign"), stall_id=stall_a.id, name="Palsu",
            category=inv.CATEGORY_SAYUR, unit="kg", price_idr=1000, stock=1),
            metadata=budi.metadata, timeout=T), grpc.StatusCode.NOT_FOUND,
            what="Budi adding a product to Sri's stall")
        say("budi", "adding a product to Sri's stall -> NOT_FOUND, as expected")

        # ---- Customer browses and asks for a quote --------------------------------------------
        listed = self.catalog.ListProducts(inv.ListProductsRequest(
            market_id=market.id, only_available=True), metadata=customer.metadata, timeout=T)
        check_eq(sorted(p.id for p in listed.products), sorted([cabai.id, kangkung.id, tempe.id]),
                 "products available in the market")
        say("customer", f"browsed {len(listed.products)} available products")

        cart = [od.CartLine(product_id=cabai.id, quantity=2),
                od.CartLine(product_id=kangkung.id, quantity=3),
                od.CartLine(product_id=tempe.id, quantity=4)]
        drop_off = self.latlng(DROP_LAT, DROP_LNG)
        quote = self.orders.QuoteOrder(od.QuoteOrderRequest(
            market_id=market.id, lines=cart, drop_off=drop_off),
            metadata=customer.metadata, timeout=T)
        expected_goods = 2 * 60000 + 3 * 3000 + 4 * 5000
        check_eq([l.product_id for l in quote.lines], [c.product_id for c in cart],
                 "quoted lines in cart order")
        for line in quote.lines:
            check_eq(line.line_total_idr, line.quantity * line.price_idr,
                     f"quoted line total of {line.name}")
        check_eq(quote.goods_total_idr, expected_goods, "quote goods total")
        check_eq([s.stall_id for s in quote.stalls], [stall_a.id, stall_b.id],
                 "quote stall subtotals in order of first appearance")
        check_eq([s.goods_total_idr for s in quote.stalls], [129000, 20000],
                 "quote stall subtotals")
        # The distance and the fee computed here, independently of the server: the great circle
        # (haversine) times the road factor 1.3, and the market's scheme (Rp5,000 + Rp2,500 per
        # started km beyond 2 km) on that distance. The drop-off is ~3.4 km away, far from a km
        # boundary, so the server's rounding to whole metres cannot change the fee.
        expected_distance = haversine_m(MARKET_LAT, MARKET_LNG, DROP_LAT, DROP_LNG) * 1.3
        check(abs(quote.distance_meters - expected_distance) <= 0.001 * expected_distance,
              f"quote distance {quote.distance_meters} m, expected "
              f"{expected_distance:.0f} m (great circle x 1.3, within 0.1 %)")
        expected_fee = 5000 + 2500 * math.ceil(max(0, expected_distance - 2000) / 1000)
        check_eq(quote.delivery_fee_idr, expected_fee, "quote delivery fee (base + per km)")
        check_eq(quote.service_fee_idr, 2000, "quote service fee")
        check_eq(quote.total_idr, expected_goods + expected_fee + 2000, "quote total")
        say("customer", f"quote: goods Rp{quote.goods_total_idr} + delivery "
                        f"Rp{quote.delivery_fee_idr} ({quote.distance_meters} m) + service "
                        f"Rp{quote.service_fee_idr} = Rp{quote.total_idr}")

        # ---- Traders watch their tickets before the order arrives ----------------------------
        sri_watch = self.record("sri WatchTickets", lambda: self.tickets.WatchTickets(
            od.WatchTicketsRequest(), metadata=sri.metadata, timeout=300))
        budi_watch = self.record("budi WatchTickets", lambda: self.tickets.WatchTickets(
            od.WatchTicketsRequest(stall_ids=[stall_b.id]), metadata=budi.metadata,
            timeout=300))

        # ---- Courier goes on shift, streams locations, watches offers -------------------------
        shift = self.courier_api.StartShift(dp.StartShiftRequest(
            request_id=rid("shift"), cash_on_hand_idr=COURIER_CASH_IDR),
            metadata=andi.metadata, timeout=T)
        check_eq(dp.CourierState.Name(shift.courier.state), "COURIER_STATE_IDLE",
                 "courier state after StartShift")
        check_eq(shift.courier.cash_on_hand_idr, COURIER_CASH_IDR, "declared cash on hand")
        say("courier", f"started shift with Rp{COURIER_CASH_IDR}, IDLE")

        def fixes():
            while not self.location_stop.is_set():
                yield dp.ReportLocationsRequest(fixes=[dp.LocationFix(
                    location=self.latlng(COURIER_LAT, COURIER_LNG), recorded_at=self.now_ts(),
                    accuracy_meters=8, speed_meters_per_second=0)])
                self.location_stop.wait(1.0)

        self.location_future = self.courier_api.ReportLocations.future(
            fixes(), metadata=andi.metadata, timeout=600)
        say("courier", "streaming a location fix every second, ~250 m from the market")
        near = self.poll(lambda: self.dispatch_ops.ListCouriers(dp.ListCouriersRequest(
            near=self.latlng(MARKET_LAT, MARKET_LNG), radius_meters=1000),
            metadata=operator.metadata, timeout=T),
            lambda r: [c.id for c in r.couriers] == [courier_row.id],
            "the courier within 1 km of the market (ListCouriers near)")
        say("operator", f"sees {near.couriers[0].name} {near.couriers[0].distance_meters} m "
                        f"from the market")
        offers = self.record("courier WatchOffers", lambda: self.courier_api.WatchOffers(
            dp.WatchOffersRequest(), metadata=andi.metadata, timeout=300))

        # ---- Customer places the order and follows it ----------------------------------------
        place_request = od.PlaceOrderRequest(
            request_id=rid("place"), market_id=market.id, lines=cart, drop_off=drop_off,
            drop_off_address="Jl. Panglima Sudirman 12, Lumajang", drop_off_note="pagar hijau")
        order = self.orders.PlaceOrder(place_request, metadata=customer.metadata,
                                       timeout=T).order
        check_eq(self.order_status(order.status), "ORDER_STATUS_PLACED", "status after PlaceOrder")
        check(len(order.delivery_pin) == 4 and order.delivery_pin.isdigit(),
              f"the customer sees a 4-digit delivery PIN, got {order.delivery_pin!r}")
        check_eq(len(order.tickets), 2, "tickets (one per stall)")
        check_eq(sorted(t.stall_id for t in order.tickets), sorted([stall_a.id, stall_b.id]),
                 "ticket stalls")
        for t in order.tickets:
            check_eq(t.pickup_code, "", f"pickup code of ticket {t.id} in the customer's view")
            check_eq(self.ticket_status(t.status), "TICKET_STATUS_PENDING", "new ticket status")
        check_eq(order.goods_total_idr, quote.goods_total_idr, "order goods total = quote")
        check_eq(order.delivery_fee_idr, quote.delivery_fee_idr, "order delivery fee = quote")
        check_eq(order.total_idr, quote.total_idr, "order total = quote")
        check(order.reservation_id, "the order names its stock reservation")
        pin = order.delivery_pin
        say("customer", f"placed order {order.id}: PLACED, total Rp{order.total_idr}, "
                        f"delivery PIN {pin}, {len(order.tickets)} tickets")

        replay = self.orders.PlaceOrder(place_request, metadata=customer.metadata,
                                        timeout=T).order
        check_eq(replay.id, order.id, "PlaceOrder replayed with the same request_id")
        say("customer", "replayed PlaceOrder with the same request_id -> the same order")

        seen_states = []

        def on_order(message):
            status = self.order_status(message.order.status)
            if not seen_states or seen_states[-1] != status:
                seen_states.append(status)
                say("watch", f"order {status.replace('ORDER_STATUS_', '')} "
                             f"(version {message.order.version})")

        order_watch = self.record("customer WatchOrder", lambda: self.orders.WatchOrder(
            od.WatchOrderRequest(order_id=order.id), metadata=customer.metadata, timeout=300),
            on_order)

        def wait_order(status):
            return order_watch.wait_for(
                lambda msg: self.order_status(msg.order.status) == status,
                WAIT_STATE_SECONDS, status).order

        wait_order("ORDER_STATUS_PLACED")

        # Stock is held, once (the replay reserved nothing more).
        held = self.catalog.GetProduct(inv.GetProductRequest(product_id=cabai.id),
                                       metadata=customer.metadata, timeout=T).product
        check_eq((held.stock, held.reserved), (18, 2), "cabai (stock, reserved) after PlaceOrder")
        say("customer", "inventory holds 2 kg cabai for the order (stock 18, reserved 2)")

        # ---- Nobody else sees the order ------------------------------------------------------
        expect_error(lambda: self.orders.GetOrder(od.GetOrderRequest(order_id=order.id),
                                                  metadata=stranger.metadata, timeout=T),
                     grpc.StatusCode.NOT_FOUND, what="a foreign customer's GetOrder")
        expect_error(lambda: next(iter(self.orders.WatchOrder(
            od.WatchOrderRequest(order_id=order.id), metadata=stranger.metadata, timeout=T))),
            grpc.StatusCode.NOT_FOUND, what="a foreign customer's WatchOrder")
        expect_error(lambda: self.orders.CancelOrder(od.CancelOrderRequest(
            request_id=rid("cancel"), order_id=order.id, reason="bukan pesanan saya"),
            metadata=stranger.metadata, timeout=T),
            grpc.StatusCode.NOT_FOUND, what="a foreign customer's CancelOrder")
        say("stranger", "GetOrder / WatchOrder / CancelOrder on someone else's order -> NOT_FOUND")
        operator_view = self.orders.GetOrder(od.GetOrderRequest(order_id=order.id),
                                             metadata=operator.metadata, timeout=T).order
        check_eq(operator_view.delivery_pin, "", "delivery PIN in the operator's view")
        say("operator", "sees the order without its delivery PIN")

        # ---- Traders get their tickets, see pickup codes, decide -----------------------------
        def ticket_of(watch, stall):
            msg = watch.wait_for(lambda w: w.ticket.order_id == order.id
                                 and w.ticket.stall_id == stall.id, WAIT_STATE_SECONDS,
                                 f"the ticket of order {order.id}")
            check_eq(self.ticket_status(msg.ticket.status), "TICKET_STATUS_PENDING",
                     f"{stall.name} ticket status when it arrives")
            check_eq(msg.order.order_id, order.id, "ticket order summary id")
            return msg.ticket

        def wait_ticket(watch, ticket_id, status):
            watch.wait_for(lambda w: w.ticket.id == ticket_id
                           and self.ticket_status(w.ticket.status) == status,
                           WAIT_STATE_SECONDS, f"ticket {ticket_id} {status}")

        ticket_a = ticket_of(sri_watch, stall_a)
        ticket_b = ticket_of(budi_watch, stall_b)
        codes = {}
        for trader, ticket in ((sri, ticket_a), (budi, ticket_b)):
            check(len(ticket.pickup_code) == 4 and ticket.pickup_code.isdigit(),
                  f"{trader.name} sees a 4-digit pickup code, got {ticket.pickup_code!r}")
            codes[ticket.id] = ticket.pickup_code
            listed_t = self.tickets.ListTickets(od.ListTicketsRequest(
                statuses=[od.TICKET_STATUS_PENDING]), metadata=trader.metadata, timeout=T)
            check_eq([t.id for t in listed_t.tickets], [ticket.id],
                     f"{trader.name}'s PENDING tickets")
            got = self.tickets.GetTicket(od.GetTicketRequest(ticket_id=ticket.id),
                                         metadata=trader.metadata, timeout=T)
            check_eq(got.ticket.pickup_code, ticket.pickup_code, "pickup code via GetTicket")
            check_hidden(got, [pin], f"{trader.name}'s GetTicket")
            say(trader.name, f"got ticket {ticket.id} (PENDING, Rp{ticket.total_idr}, "
                             f"pickup code {ticket.pickup_code})")
        expect_error(lambda: self.tickets.GetTicket(od.GetTicketRequest(ticket_id=ticket_a.id),
                                                    metadata=budi.metadata, timeout=T),
                     grpc.StatusCode.NOT_FOUND, what="Budi reading Sri's ticket")
        say("budi", "reading Sri's ticket -> NOT_FOUND")

        cabai_line = next(l for l in ticket_a.lines if l.product_id == cabai.id)
        check(cabai_line.weighed, "the cabai line is weighed")
        check_eq(cabai_line.ordered_quantity, 2, "cabai ordered quantity")
        too_light = od.LineDecision(product_id=cabai.id, accepted=od.AcceptedLine(
            final_quantity=2, line_total_idr=100000))
        expect_error(lambda: self.tickets.AcceptTicket(od.AcceptTicketRequest(
            request_id=rid("accept-bad"), ticket_id=ticket_a.id, lines=[too_light]),
            metadata=sri.metadata, timeout=T), grpc.StatusCode.FAILED_PRECONDITION,
            "WEIGHT_TOLERANCE_EXCEEDED", what="cabai at Rp100000 instead of Rp120000 (17%)")
        say("sri", "accepting 2 kg cabai for Rp100000 (-17%) -> WEIGHT_TOLERANCE_EXCEEDED")
        still = self.tickets.GetTicket(od.GetTicketRequest(ticket_id=ticket_a.id),
                                       metadata=sri.metadata, timeout=T).ticket
        check_eq(self.ticket_status(still.status), "TICKET_STATUS_PENDING",
                 "ticket after a refused acceptance")

        weighed = od.LineDecision(product_id=cabai.id, accepted=od.AcceptedLine(
            final_quantity=2, line_total_idr=114000))
        accepted_a = self.tickets.AcceptTicket(od.AcceptTicketRequest(
            request_id=rid("accept-a"), ticket_id=ticket_a.id, lines=[weighed]),
            metadata=sri.metadata, timeout=T).ticket
        check_eq(self.ticket_status(accepted_a.status), "TICKET_STATUS_ACCEPTED",
                 "Sri's ticket after AcceptTicket")
        totals = {l.product_id: l.line_total_idr for l in accepted_a.lines}
        check_eq(totals, {cabai.id: 114000, kangkung.id: 9000}, "Sri's final line totals")
        check_eq(accepted_a.total_idr, 123000, "Sri's ticket total")
        wait_ticket(sri_watch, ticket_a.id, "TICKET_STATUS_ACCEPTED")
        say("sri", "accepted: cabai weighed 0.95x -> Rp114000, kangkung as ordered; "
                   "ticket total Rp123000")

        accepted_b = self.tickets.AcceptTicket(od.AcceptTicketRequest(
            request_id=rid("accept-b"), ticket_id=ticket_b.id),
            metadata=budi.metadata, timeout=T).ticket
        check_eq(self.ticket_status(accepted_b.status), "TICKET_STATUS_ACCEPTED",
                 "Budi's ticket after AcceptTicket")
        check_eq(accepted_b.total_idr, 20000, "Budi's ticket total")
        wait_ticket(budi_watch, ticket_b.id, "TICKET_STATUS_ACCEPTED")
        say("budi", "accepted as ordered; ticket total Rp20000")

        confirmed = wait_order("ORDER_STATUS_CONFIRMED")
        final_goods = 123000 + 20000
        check_eq(confirmed.goods_total_idr, final_goods, "confirmed goods total")
        check_eq(confirmed.total_idr, final_goods + quote.delivery_fee_idr + 2000,
                 "confirmed order total")
        check(confirmed.HasField("confirmed_at"), "confirmed_at is set")
        say("customer", f"order CONFIRMED: goods Rp{confirmed.goods_total_idr}, "
                        f"total Rp{confirmed.total_idr}")

        watches = {ticket_a.id: sri_watch, ticket_b.id: budi_watch}
        for trader, ticket in ((sri, ticket_a), (budi, ticket_b)):
            ready = self.tickets.MarkTicketReady(od.MarkTicketReadyRequest(
                request_id=rid("ready"), ticket_id=ticket.id),
                metadata=trader.metadata, timeout=T).ticket
            check_eq(self.ticket_status(ready.status), "TICKET_STATUS_READY",
                     f"{trader.name}'s ticket after MarkTicketReady")
            wait_ticket(watches[ticket.id], ticket.id, "TICKET_STATUS_READY")
            say(trader.name, "packed: ticket READY")

        # Inventory sells the final quantities and frees the rest (through the events).
        self.poll(lambda: self.catalog.GetProduct(inv.GetProductRequest(product_id=cabai.id),
                                                  metadata=customer.metadata, timeout=T).product,
                  lambda p: (p.stock, p.reserved) == (18, 0),
                  "cabai committed in inventory (stock 18, reserved 0)")
        say("customer", "inventory committed the sale (cabai stock 18, reserved 0)")

        # ---- Courier: the offer, accept ------------------------------------------------------
        offer_msg = offers.wait_for(lambda w: w.WhichOneof("event") == "offer"
                                    and w.offer.job.order_id == order.id,
                                    WAIT_OFFER_SECONDS, f"an offer for order {order.id}")
        offer = offer_msg.offer
        job = offer.job
        check_eq(sorted((s.ticket_id, s.amount_idr) for s in job.stops),
                 sorted([(ticket_a.id, 123000), (ticket_b.id, 20000)]), "offer's job stops")
        check_eq(job.goods_total_idr, final_goods, "offer's goods total")
        check_eq(job.cash_to_collect_idr, confirmed.total_idr, "offer's cash to collect")
        check_eq(job.delivery_fee_idr, confirmed.delivery_fee_idr, "offer's delivery fee")
        check(offer.countdown_seconds > 0, "offer countdown > 0")
        check_hidden(offer_msg, [pin, *codes.values()], "the courier's offer")
        say("courier", f"offer {offer.offer_id}: job with {len(job.stops)} stops, advance "
                       f"Rp{job.goods_total_idr}, collect Rp{job.cash_to_collect_idr}, "
                       f"{offer.distance_to_market_meters} m to the market, countdown "
                       f"{offer.countdown_seconds}s")

        assigned_job = self.courier_api.AcceptOffer(dp.AcceptOfferRequest(
            request_id=rid("accept-offer"), offer_id=offer.offer_id),
            metadata=andi.metadata, timeout=T).job
        check_eq(self.job_status(assigned_job.status), "JOB_STATUS_ASSIGNED",
                 "job after AcceptOffer")
        check_eq(assigned_job.courier_id, courier_row.id, "job's courier")

        def wait_job(status):
            offers.wait_for(lambda w: w.WhichOneof("event") == "job_update"
                            and w.job_update.id == job.id
                            and self.job_status(w.job_update.status) == status,
                            WAIT_STATE_SECONDS, f"a job update {status}")

        wait_job("JOB_STATUS_ASSIGNED")
        say("courier", "accepted the offer: job ASSIGNED")

        assigned = wait_order("ORDER_STATUS_COURIER_ASSIGNED")
        check_eq((assigned.courier.courier_id, assigned.courier.name,
                  assigned.courier.vehicle_plate),
                 (courier_row.id, "Andi Ojek", "N 1234 AB"), "courier shown to the customer")
        say("customer", f"sees courier {assigned.courier.name} ({assigned.courier.vehicle_plate})"
                        f", ETA {assigned.courier.eta_seconds}s")
        summary = self.poll(lambda: self.tickets.GetTicket(
            od.GetTicketRequest(ticket_id=ticket_a.id), metadata=sri.metadata, timeout=T),
            lambda g: g.order.courier.courier_id == courier_row.id,
            "the courier in Sri's view of the order")
        check_hidden(summary, [pin], "Sri's view after assignment")
        say("sri", f"sees courier {summary.order.courier.name} coming")

        # ---- Courier: pay each trader and pick up with the stall's code ----------------------
        first = job.stops[0]
        right_code = codes[first.ticket_id]
        wrong_code = f"{(int(right_code) + 1) % 10000:04d}"
        expect_error(lambda: self.courier_api.ConfirmPickup(dp.ConfirmPickupRequest(
            request_id=rid("pickup-bad"), job_id=job.id, ticket_id=first.ticket_id,
            pickup_code=wrong_code, paid_to_trader_idr=first.amount_idr),
            metadata=andi.metadata, timeout=T), grpc.StatusCode.FAILED_PRECONDITION,
            "WRONG_PICKUP_CODE", what="ConfirmPickup with a wrong code")
        say("courier", f"pickup at {first.stall_name} with code {wrong_code} -> "
                       f"WRONG_PICKUP_CODE")
        expect_error(lambda: self.courier_api.ConfirmPickup(dp.ConfirmPickupRequest(
            request_id=rid("pickup-cash"), job_id=job.id, ticket_id=first.ticket_id,
            pickup_code=right_code, paid_to_trader_idr=first.amount_idr - 1000),
            metadata=andi.metadata, timeout=T), grpc.StatusCode.FAILED_PRECONDITION,
            "CASH_MISMATCH", what="ConfirmPickup paying Rp1000 too little")
        say("courier", f"pickup at {first.stall_name} paying Rp1000 too little -> CASH_MISMATCH")

        for i, stop in enumerate(job.stops):
            picked = self.courier_api.ConfirmPickup(dp.ConfirmPickupRequest(
                request_id=rid("pickup"), job_id=job.id, ticket_id=stop.ticket_id,
                pickup_code=codes[stop.ticket_id], paid_to_trader_idr=stop.amount_idr),
                metadata=andi.metadata, timeout=T).job
            expected = "JOB_STATUS_DELIVERING" if i == len(job.stops) - 1 \
                else "JOB_STATUS_PICKING_UP"
            check_eq(self.job_status(picked.status), expected, f"job after pickup {i + 1}")
            check_hidden(picked, [pin, *codes.values()], "the courier's job")
            wait_job(expected)
            say("courier", f"paid {stop.stall_name} Rp{stop.amount_idr} and picked up with "
                           f"code {codes[stop.ticket_id]}: job {expected[11:]}")

        picked_up = wait_order("ORDER_STATUS_PICKED_UP")
        check(all(self.ticket_status(t.status) == "TICKET_STATUS_PICKED_UP"
                  for t in picked_up.tickets), "every ticket PICKED_UP when the order is")
        for trader, ticket in ((sri, ticket_a), (budi, ticket_b)):
            wait_ticket(watches[ticket.id], ticket.id, "TICKET_STATUS_PICKED_UP")
            now = self.tickets.GetTicket(od.GetTicketRequest(ticket_id=ticket.id),
                                         metadata=trader.metadata, timeout=T).ticket
            check_eq(self.ticket_status(now.status), "TICKET_STATUS_PICKED_UP",
                     f"{trader.name}'s ticket via GetTicket after pickup")
            check(now.HasField("picked_up_at"), "ticket picked_up_at is set")
        say("traders", "both tickets PICKED_UP, paid in cash")

        # ---- Courier: deliver with the customer's PIN, collect the total ---------------------
        wrong_pin = f"{(int(pin) + 1) % 10000:04d}"
        expect_error(lambda: self.courier_api.ConfirmDelivery(dp.ConfirmDeliveryRequest(
            request_id=rid("deliver-bad"), job_id=job.id, delivery_pin=wrong_pin,
            cash_collected_idr=confirmed.total_idr), metadata=andi.metadata, timeout=T),
            grpc.StatusCode.FAILED_PRECONDITION, "WRONG_DELIVERY_PIN",
            what="ConfirmDelivery with a wrong PIN")
        say("courier", f"delivery with PIN {wrong_pin} -> WRONG_DELIVERY_PIN")
        delivered_resp = self.courier_api.ConfirmDelivery(dp.ConfirmDeliveryRequest(
            request_id=rid("deliver"), job_id=job.id, delivery_pin=pin,
            cash_collected_idr=confirmed.total_idr), metadata=andi.metadata, timeout=T)
        check_eq(self.job_status(delivered_resp.job.status), "JOB_STATUS_DELIVERED",
                 "job after ConfirmDelivery")
        check_eq(delivered_resp.earning_idr, confirmed.delivery_fee_idr, "courier's earning")
        check_eq(delivered_resp.courier.cash_on_hand_idr,
                 COURIER_CASH_IDR - final_goods + confirmed.total_idr,
                 "courier's cash after delivery")
        check_eq(dp.CourierState.Name(delivered_resp.courier.state), "COURIER_STATE_IDLE",
                 "courier state after delivery")
        say("courier", f"delivered with PIN {pin}, collected Rp{confirmed.total_idr}, earned "
                       f"Rp{delivered_resp.earning_idr}; cash now "
                       f"Rp{delivered_resp.courier.cash_on_hand_idr}, IDLE")

        wait_job("JOB_STATUS_DELIVERED")
        delivered = wait_order("ORDER_STATUS_DELIVERED")
        check(delivered.HasField("delivered_at"), "delivered_at is set")
        check(order_watch.wait_finished(WAIT_STATE_SECONDS),
              "WatchOrder ends after the final status")
        if order_watch.error is not None:
            raise WalkFailure(f"WatchOrder ended with {order_watch.error.code().name}: "
                              f"{order_watch.error.details()}")

        # ---- What everyone saw -----------------------------------------------------------------
        expected_states = ["ORDER_STATUS_PLACED", "ORDER_STATUS_CONFIRMED",
                           "ORDER_STATUS_COURIER_ASSIGNED", "ORDER_STATUS_PICKED_UP",
                           "ORDER_STATUS_DELIVERED"]
        check_eq(seen_states, expected_states, "order states seen on WatchOrder")
        versions = [w.order.version for w in order_watch.snapshot()]
        check(versions == sorted(versions), f"WatchOrder versions never decrease: {versions}")
        for w in order_watch.snapshot():
            check(all(t.pickup_code == "" for t in w.order.tickets),
                  "no pickup code in the customer's WatchOrder")
            check_hidden(w, list(codes.values()), "the customer's WatchOrder")
        for watch in (sri_watch, budi_watch):
            for w in watch.snapshot():
                check_hidden(w, [pin], f"{watch.name}")
        for w in offers.snapshot():
            check_hidden(w, [pin, *codes.values()], "the courier's WatchOffers")
        say("check", "order states seen: " + " -> ".join(s[13:] for s in seen_states))

        def distinct_in_order(values):
            out = []
            for v in values:
                if not out or out[-1] != v:
                    out.append(v)
            return out

        for ticket in (ticket_a, ticket_b):
            states = distinct_in_order(
                self.ticket_status(w.ticket.status) for w in watches[ticket.id].snapshot()
                if w.ticket.id == ticket.id)
            check_eq(states, ["TICKET_STATUS_PENDING", "TICKET_STATUS_ACCEPTED",
                              "TICKET_STATUS_READY", "TICKET_STATUS_PICKED_UP"],
                     f"states of ticket {ticket.id} seen on WatchTickets")
            say("check", f"{ticket.stall_name} ticket states seen: "
                         + " -> ".join(s[14:] for s in states))
        job_states = distinct_in_order(
            self.job_status(w.job_update.status) for w in offers.snapshot()
            if w.WhichOneof("event") == "job_update" and w.job_update.id == job.id)
        check_eq(job_states, ["JOB_STATUS_ASSIGNED", "JOB_STATUS_PICKING_UP",
                              "JOB_STATUS_DELIVERING", "JOB_STATUS_DELIVERED"],
                 "job states seen on WatchOffers")
        say("check", "job states seen: " + " -> ".join(s[11:] for s in job_states))
        say("check", "PIN never in trader/courier views; pickup codes never in the customer's")

        final = self.poll(lambda: self.orders.GetOrder(od.GetOrderRequest(order_id=order.id),
                                                       metadata=customer.metadata,
                                                       timeout=T).order,
                          lambda o: len(o.ledger.entries) >= 6, "the full ledger")
        self.check_ledger(final, stall_a, stall_b, courier_row, market)

        # ---- The courier goes home --------------------------------------------------------------
        ended = self.courier_api.EndShift(dp.EndShiftRequest(request_id=rid("end")),
                                          metadata=andi.metadata, timeout=T).courier
        check_eq(dp.CourierState.Name(ended.state), "COURIER_STATE_OFF_DUTY",
                 "courier after EndShift")
        self.location_stop.set()
        report = self.location_future.result(timeout=30)
        check(report.accepted > 0 and report.rejected == 0,
              f"every location fix accepted: {report}")
        say("courier", f"ended shift; {report.accepted} location fixes accepted, "
                       f"{report.rejected} rejected")

    def check_ledger(self, order, stall_a, stall_b, courier, market):
        od = self.m.order
        ledger = order.ledger
        check(ledger.balanced, "ledger.balanced")
        check_eq(sum(e.amount_idr for e in ledger.entries), 0, "sum of the ledger postings")
        kinds = {}
        for e in ledger.entries:
            key = (od.LedgerEntryKind.Name(e.kind), od.LedgerParty.Name(e.party), e.party_id)
            kinds[key] = kinds.get(key, 0) + e.amount_idr
        goods = order.goods_total_idr
        expected = {
            ("LEDGER_ENTRY_KIND_TRADER_PAID", "LEDGER_PARTY_TRADER", stall_a.id): 123000,
            ("LEDGER_ENTRY_KIND_TRADER_PAID", "LEDGER_PARTY_TRADER", stall_b.id): 20000,
            ("LEDGER_ENTRY_KIND_TRADER_PAID", "LEDGER_PARTY_COURIER", courier.id): -goods,
            ("LEDGER_ENTRY_KIND_CUSTOMER_PAID", "LEDGER_PARTY_CUSTOMER", order.customer_subject):
                -order.total_idr,
            ("LEDGER_ENTRY_KIND_CUSTOMER_PAID", "LEDGER_PARTY_COURIER", courier.id):
                order.total_idr,
            ("LEDGER_ENTRY_KIND_SERVICE_FEE", "LEDGER_PARTY_COURIER", courier.id):
                -order.service_fee_idr,
            ("LEDGER_ENTRY_KIND_SERVICE_FEE", "LEDGER_PARTY_PLATFORM", market.id):
                order.service_fee_idr,
        }
        check_eq(kinds, expected, "ledger postings by (kind, party, id)")
        balances = {(od.LedgerParty.Name(b.party), b.party_id): b.net_idr
                    for b in ledger.balances}
        check_eq(balances.get(("LEDGER_PARTY_COURIER", courier.id)), order.delivery_fee_idr,
                 "courier's net balance = delivery fee")
        check_eq(sum(balances.values()), 0, "sum of the party balances")
        say("check", f"ledger balanced: {len(ledger.entries)} postings; courier earns "
                     f"Rp{order.delivery_fee_idr}, platform Rp{order.service_fee_idr}, traders "
                     f"Rp123000 + Rp20000, customer paid Rp{order.total_idr}")


def stubs_only():
    """Generates the stubs and imports every module and service stub (no servers needed)."""
    work_dir = tempfile.mkdtemp(prefix="pasar-walk-stubs-")
    try:
        files = generate_stubs(PROTO_ROOT, work_dir)
        walk = Walk("", work_dir)
        walk._import_stubs()
        m = walk.m
        services = [m.inventory_grpc.CatalogServiceStub, m.inventory_grpc.StallServiceStub,
                    m.inventory_grpc.MarketAdminServiceStub, m.order_grpc.OrderServiceStub,
                    m.order_grpc.TicketServiceStub, m.dispatch_grpc.CourierServiceStub,
                    m.dispatch_grpc.DispatchOpsServiceStub]
        channel = grpc.insecure_channel("127.0.0.1:1")
        for stub in services:
            stub(channel)
        channel.close()
        check_eq(m.order.OrderStatus.Name(5), "ORDER_STATUS_DELIVERED", "OrderStatus enum")
        say("stubs", f"{len(files)} protos -> Python; {len(services)} service stubs import")
        return 0
    except WalkFailure as e:
        print(f"FAILED: {e}", flush=True)
        return 1
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def main(argv):
    if argv[1:] == ["--stubs-only"]:
        return stubs_only()
    bin_dir = argv[1] if len(argv) > 1 else os.environ.get("PASAR_BIN_DIR", "")
    if not bin_dir:
        print("usage: walk.py BIN_DIR (or set PASAR_BIN_DIR)", file=sys.stderr)
        return 2
    work_dir = tempfile.mkdtemp(prefix="pasar-walk-")
    walk = Walk(os.path.abspath(bin_dir), work_dir)
    failed = True
    try:
        walk.start()
        walk.run()
        failed = False
    except WalkFailure as e:
        print(f"\nFAILED: {e}", flush=True)
    except grpc.RpcError as e:
        print(f"\nFAILED: unexpected gRPC error {e.code().name}: {e.details()}", flush=True)
        traceback.print_exc()
    except Exception:  # noqa: BLE001 - any surprise fails the walk, with its trace
        print("\nFAILED: unexpected exception", flush=True)
        traceback.print_exc()
    finally:
        unclean = walk.stop(failed)
        if unclean and not failed:
            print("\nFAILED: a service did not drain cleanly on SIGTERM: " + "; ".join(unclean),
                  flush=True)
            failed = True
        logs = os.path.join(work_dir, "logs")
        if failed and os.path.isdir(logs) and os.listdir(logs):
            print(f"(service logs kept in {logs})", flush=True)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    if failed:
        return 1
    print("\nPASSED: one order walked from quote to delivery", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
