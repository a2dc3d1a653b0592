"""The RMM (NinjaOne): one organisation per client and every device it has reported. Devices are
drawn month by month to follow each client's planned endpoints: a few are replaced every month
(the old one no longer listed, `removed_at` set), new ones are added as the client grows, and a
client that leaves has all of its devices removed in its last days."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.msp.sample.calendar import HOUR_US, MINUTE_US, Calendar
from northstar.packs.msp.sample.clients import Clients
from northstar.packs.sample_arrays import DAY_US, Ints, batches, choice, pick, stream
from northstar.packs.sample_arrays import timestamps as ts_array

__all__ = ["NODE_CLASSES", "Devices", "devices_table", "draw_devices", "organizations_table"]

# node class: share of devices, and whether it is a managed endpoint (node_classes.csv)
NODE_CLASSES = (
    ("WINDOWS_WORKSTATION", 0.615, True), ("MAC", 0.08, True), ("LINUX_WORKSTATION", 0.015, True),
    ("WINDOWS_SERVER", 0.07, True), ("LINUX_SERVER", 0.01, True),
    ("VMWARE_VM_GUEST", 0.035, True), ("HYPERV_VMM_GUEST", 0.02, True),
    ("NMS_SWITCH", 0.05, False), ("NMS_FIREWALL", 0.02, False), ("NMS_PRINTER", 0.04, False),
    ("CLOUD_MONITOR_TARGET", 0.02, False),
    ("ANDROID", 0.005, False),  # phones enrolled by a client: a class node_classes.csv lacks
)
CLASS_SHARE = np.array([c[1] for c in NODE_CLASSES])
ENDPOINT_SHARE = float(sum(c[1] for c in NODE_CLASSES if c[2])) * 0.985
"""Share of devices that are approved endpoints (1.5% wait for approval for ever)."""
REPLACED = 0.007
"""Share of a client's devices replaced in a month."""


@dataclass(frozen=True)
class Devices:
    client: Ints
    node_class: Ints
    approved: np.ndarray
    created: Ints
    """UTC microseconds."""
    removed: Ints
    """UTC microseconds, -1 for a device still listed."""

    def endpoints(self, cal: Calendar, seats: bool = False) -> np.ndarray:
        """Approved endpoints (or seats: workstations) at each month's end, clients x months:
        created before the end and not removed by then (docs/msp.md)."""
        kinds = np.array([c[2] and (not seats or "WORKSTATION" in c[0] or c[0] == "MAC")
                          for c in NODE_CLASSES])
        counted = self.approved & kinds[self.node_class]
        ends = cal.month_end_us()
        alive = ((self.created[:, None] < ends[None, :])
                 & ((self.removed[:, None] < 0) | (self.removed[:, None] >= ends[None, :])))
        out = np.zeros((int(self.client.max()) + 1, cal.n), dtype=np.int64)
        np.add.at(out, self.client[counted], alive[counted].astype(np.int64))
        return out


def _times(rng: np.random.Generator, cal: Calendar, m: int, n: int, first_days: int = 31
           ) -> Ints:
    """`n` UTC moments in month `m` (local business hours, within its first days), never after
    the sample's end."""
    span = min(int(cal.next_day[m] - cal.start_day[m]), first_days)
    day = cal.start_day[m] + rng.integers(0, span, n)
    local = day * DAY_US + rng.integers(8 * HOUR_US, 18 * HOUR_US, n)
    out: Ints = np.minimum(cal.utc(local), cal.end_us - MINUTE_US * rng.integers(1, 600, n))
    return out


def draw_devices(seed: int, cal: Calendar, clients: Clients) -> Devices:
    rng = stream(seed, 3, 1)
    client: list[int] = []
    created: list[int] = []
    removed: list[int] = []
    for c in range(clients.n):
        target = np.round(clients.endpoints[c] / ENDPOINT_SHARE).astype(np.int64)
        first = max(int(clients.joined[c]), 0)
        active: list[int] = []
        for m in range(first, min(int(clients.left[c]), cal.n)):
            if m == first:
                k = int(target[m])
                if clients.joined[c] < 0:  # on the books before the history: older devices
                    born = cal.utc(cal.start_day[0] * DAY_US
                                   - rng.integers(HOUR_US, 4 * 365 * DAY_US, k))
                else:  # onboarded in the month's first ten days
                    born = _times(rng, cal, m, k, first_days=10)
            else:
                out = rng.binomial(len(active), REPLACED)
                if out:
                    when = _times(rng, cal, m, out).tolist()
                    picked = rng.choice(len(active), size=out, replace=False).tolist()
                    for i, t in zip(picked, when, strict=True):
                        removed[active[i]] = t
                active = [d for d in active if removed[d] < 0]
                k = max(0, int(target[m]) - len(active))
                born = _times(rng, cal, m, k)
            start = len(created)
            created.extend(born.tolist())
            removed.extend([-1] * k)
            client.extend([c] * k)
            active.extend(range(start, start + k))
        if clients.left[c] < cal.n:  # offboarded in the first days of the month it left
            when = _times(rng, cal, int(clients.left[c]), len(active), first_days=5)
            for d, t in zip(active, when.tolist(), strict=True):
                removed[d] = t
    n = len(created)
    kind = choice(rng, len(NODE_CLASSES), n, CLASS_SHARE)
    approved = rng.random(n) >= 0.015
    return Devices(np.array(client, dtype=np.int64), kind, approved,
                   np.array(created, dtype=np.int64), np.array(removed, dtype=np.int64))


def organizations_table(clients: Clients) -> Iterator[SampleTable]:
    yield from batches("ninja_organizations", "ninjaone", "id", pa.table({
        "id": clients.org_ids, "name": clients.names,
        "description": [f"Client since onboarding ({name})" for name in clients.names],
        "node_approval_mode": ["MANUAL"] * clients.n, "client_id": clients.org_ids}))


def devices_table(seed: int, cal: Calendar, clients: Clients, dev: Devices
                  ) -> Iterator[SampleTable]:
    rng = stream(seed, 3, 2)
    n = len(dev.created)
    ids = np.arange(1001, 1001 + n, dtype=np.int64)
    order = np.argsort(dev.created, kind="stable")  # NinjaOne numbers devices as they enrol
    number = np.empty(n, dtype=np.int64)
    number[order] = ids
    gone = dev.removed >= 0
    offline = ~gone & (rng.random(n) < 0.03)
    contact = np.where(gone, dev.removed - rng.integers(HOUR_US, 5 * DAY_US, n),
                       cal.end_us - rng.integers(MINUTE_US, 2 * HOUR_US, n))
    contact = np.where(offline, cal.end_us - rng.integers(2 * DAY_US, 20 * DAY_US, n), contact)
    contact = np.maximum(contact, dev.created)
    org = pick(clients.org_ids, dev.client)
    prefix = np.array(["WS", "MAC", "LX", "SRV", "LSRV", "VM", "HV", "SW", "FW", "PRN", "CLD",
                       "PHN"])[dev.node_class]
    names = [f"{p}-{i:05d}" for p, i in zip(prefix.tolist(), number.tolist(), strict=True)]
    yield from batches("ninja_devices", "ninjaone", "id", pa.table({
        "id": pa.array([str(i) for i in number.tolist()], pa.string()),
        "organization_id": org,
        "location_id": pick(clients.org_ids, dev.client),
        "node_class": pick([c[0] for c in NODE_CLASSES], dev.node_class),
        "node_role_id": pa.array([str(k + 1) for k in dev.node_class.tolist()], pa.string()),
        "approval_status": pick(("APPROVED", "PENDING"), (~dev.approved).astype(np.int64)),
        "offline": pa.array(offline), "display_name": pa.array(names, pa.string()),
        "system_name": pa.array(names, pa.string()),
        "dns_name": pa.array([f"{x.lower()}.local" for x in names], pa.string()),
        "created": ts_array(dev.created), "last_contact": ts_array(contact),
        "removed_at": pa.array(np.where(gone, dev.removed, 0), mask=~gone).view(
            pa.timestamp("us")),
        "client_id": org}))
