"""Stream prefix and filter pattern against moto (which applies neither prefix nor bracket patterns)."""

from __future__ import annotations

from tests.cloudwatch.cw_sim import FakeClock, Planned, Writer


def test_stream_prefix_is_sent_and_enforced_locally(logs, group, proxy, clock: FakeClock, follower_for):
    stamp = int((clock.now - 10) * 1000)
    streams = ["eni-0a", "eni-0b", "vpce-1", "other"]
    Writer(logs, group, [Planned(s, stamp, clock.now - 5, f"REJECT from {s}") for s in streams]).write_arrived(clock.now)
    follower = follower_for(proxy.url, stream_prefix="eni-", filter_pattern="REJECT")
    assert sorted(event.log_stream for event in follower.poll()) == ["eni-0a", "eni-0b"]
    (request,) = [seen.body for seen in proxy.seen]
    assert (request["logStreamNamePrefix"], request["filterPattern"]) == ("eni-", "REJECT")
    assert follower.status().reread_ratio == 2.0  # moto returned all four streams


def test_client_leaves_retries_to_the_follower(aws_endpoint):
    from tui.sources.cloudwatch import make_logs_client

    client = make_logs_client(region="us-east-1", endpoint_url=aws_endpoint)
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (5, 30)


def test_client_honours_the_endpoint_variable_and_profiles(aws_endpoint, monkeypatch, tmp_path):
    from tui.sources.cloudwatch import make_logs_client

    config = tmp_path / "config"
    config.write_text("[profile ops]\nregion = eu-west-1\naws_access_key_id = ops\naws_secret_access_key = ops\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", aws_endpoint)
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # it would win over the profile's region
    client = make_logs_client(profile="ops")
    assert (client.meta.region_name, client.meta.endpoint_url) == ("eu-west-1", aws_endpoint)
    assert client.describe_log_groups()["logGroups"] == []
