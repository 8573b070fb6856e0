from sessiond.models import rfc3339


def test_rfc3339_has_milliseconds_and_z_across_seconds():
    base = 1_795_585_551_000  # 2026-11-25T05:45:51Z
    assert rfc3339(base + 793) == "2026-11-25T05:45:51.793Z"
    assert rfc3339(base + 1001) == "2026-11-25T05:45:52.001Z"
    assert rfc3339(base + 5) == "2026-11-25T05:45:51.005Z"  # back to an earlier second
    assert rfc3339(0) == "1970-01-01T00:00:00.000Z"
