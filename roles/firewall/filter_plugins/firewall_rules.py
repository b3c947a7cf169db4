"""Which connections a host of the kit accepts, derived from the inventory's groups
(unit-tested in tests/unit/test_firewall_rules.py). The template only writes these rules out;
every decision about who may reach what is made, and refused when wrong, here."""
from __future__ import annotations

import ipaddress
import re

PROTOCOLS = ("tcp", "udp")


def _port(value, name: str) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = 0
    if isinstance(value, bool) or not 1 <= port <= 65535 or str(value).strip() != str(port):
        raise ValueError(f"{name} = {value!r}: must be a port number, 1..65535")
    return port


def _networks(values, name: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise ValueError(f"{name} = {values!r}: must be a list of addresses or networks "
                         "(e.g. [203.0.113.7/32, 10.0.0.0/24])")
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(str(value).strip(), strict=False)))
        except ValueError:
            raise ValueError(f"{name} has {value!r}: not an address or network "
                             "(e.g. 203.0.113.7 or 10.0.0.0/24)") from None
    return networks


def _rule(comment: str, proto: str, ports, sources) -> dict:
    """sources None: from anywhere; else a list of networks, split by family for nft."""
    rule = {"comment": comment, "proto": proto, "ports": sorted(set(ports)), "from_any": sources is None}
    nets = [ipaddress.ip_network(s) for s in (sources or [])]
    rule["ipv4"] = sorted({str(n) for n in nets if n.version == 4})
    rule["ipv6"] = sorted({str(n) for n in nets if n.version == 6})
    return rule


def firewall_rules(host: str, groups: dict, addresses: dict, admin_networks, ports: dict,
                   extra_rules=()) -> list[dict]:
    """The rules for `host`: a list of {comment, proto, ports, from_any, ipv4, ipv6}.

    groups: the inventory's groups (web, app, database, logs, backup, all); addresses: every
    inventory host's private address; ports: {ssh, web (list), app (list), database, syslog},
    each as the host that listens on it sets it. A host in several tiers gets each tier's rules.
    """
    def members(group):
        return list(groups.get(group) or [])

    def sources_of(group_names, what):
        hosts = sorted({h for g in group_names for h in members(g)})
        missing = [h for h in hosts if not addresses.get(h)]
        if missing:
            raise ValueError(f"no private_address for {', '.join(missing)} (needed to let {what}): "
                             "set private_address in the inventory or gather facts")
        return _networks([addresses[h] for h in hosts], "private_address")

    admins = _networks(admin_networks, "firewall_admin_networks")
    if not admins:
        raise ValueError("firewall_admin_networks is empty: SSH would be closed to everyone. "
                         "Set it to the networks the admins and the controller connect from "
                         "(e.g. [203.0.113.7/32])")
    for network in admins:
        if ipaddress.ip_network(network).prefixlen == 0:
            raise ValueError(f"firewall_admin_networks has {network}: that is every address; "
                             "name the admins' networks")
    mine = {g for g, hosts in groups.items() if host in (hosts or []) and g != "all"}
    ssh = _port(ports["ssh"], "firewall_ssh_port")
    rules = [_rule("ssh from the admin networks", "tcp", [ssh], admins)]
    if "database" in mine and members("backup"):
        rules.append(_rule("ssh from the backup hosts (pgBackRest)", "tcp", [ssh],
                           sources_of(["backup"], "pgBackRest in")))
    if "backup" in mine and members("database"):
        rules.append(_rule("ssh from the database hosts (WAL archiving)", "tcp", [ssh],
                           sources_of(["database"], "WAL archiving in")))
    if "web" in mine:
        rules.append(_rule("web", "tcp", [_port(p, "firewall_web_ports") for p in ports["web"]], None))
    if "app" in mine and members("web"):
        rules.append(_rule("uWSGI from the web hosts", "tcp",
                           [_port(p, "firewall_app_ports") for p in ports["app"]],
                           sources_of(["web"], "nginx reach uWSGI")))
    if "database" in mine and members("app"):
        rules.append(_rule("PostgreSQL from the app hosts", "tcp",
                           [_port(ports["database"], "firewall_database_port")],
                           sources_of(["app"], "the app reach PostgreSQL")))
    if "logs" in mine:
        rules.append(_rule("syslog from the inventory's hosts", "udp",
                           [_port(ports["syslog"], "firewall_syslog_port")],
                           sources_of(["all"], "every host send its logs")))
    for index, extra in enumerate(extra_rules or []):
        rules.append(_extra_rule(extra, f"firewall_extra_rules[{index}]"))
    return rules


def _extra_rule(extra, name: str) -> dict:
    if not isinstance(extra, dict) or "port" not in extra:
        raise ValueError(f"{name} = {extra!r}: must be a mapping with port, and optionally proto "
                         "(tcp or udp), from (a list of networks, or 'any') and comment")
    proto = extra.get("proto", "tcp")
    if proto not in PROTOCOLS:
        raise ValueError(f"{name}.proto = {proto!r}: must be one of {', '.join(PROTOCOLS)}")
    ports = extra["port"] if isinstance(extra["port"], list) else [extra["port"]]
    ports = [_port(p, f"{name}.port") for p in ports]
    source = extra.get("from")
    if source is None:
        raise ValueError(f"{name} has no 'from': name the networks it is open to, or 'any' to "
                         "open it to every address")
    sources = None if source == "any" else _networks(source, f"{name}.from")
    return _rule(str(extra.get("comment", name)), proto, ports, sources)


def firewall_keeps_controller(admin_networks, ssh_client: str, ssh_port, confirm_seconds) -> bool:
    """Refuse, before any change, settings that would shut out the controller running this.

    ssh_client is the host's SSH_CLIENT for this run ("ADDRESS PORT SERVER_PORT"; empty when
    the run does not come over SSH, as in Molecule's docker connection).
    """
    seconds = int(confirm_seconds) if str(confirm_seconds).strip().isdigit() else 0
    if not 15 <= seconds <= 600:
        raise ValueError(f"firewall_confirm_seconds = {confirm_seconds!r}: must be 15..600 (seconds the "
                         "controller has to connect again before the host goes back to its previous rules)")
    fields = (ssh_client or "").split()
    if len(fields) != 3:
        return True
    client, server_port = fields[0], fields[2]
    networks = _networks(admin_networks, "firewall_admin_networks")
    if not any(ipaddress.ip_address(client) in ipaddress.ip_network(n) for n in networks):
        raise ValueError(f"firewall_admin_networks = {list(admin_networks)} does not hold {client}, the "
                         "address this run connects from: the new rules would lock this controller out. "
                         f"Add it (e.g. {client}/32)")
    if str(ssh_port) != server_port:
        raise ValueError(f"firewall_ssh_port = {ssh_port}, but this run reached sshd on port {server_port}: "
                         f"set firewall_ssh_port to {server_port}, or SSH would be closed")
    return True


def nft_table_comment(listing: str) -> str:
    """The table's comment in `nft list table ...` output ('' when there is none). Read from
    the text: nft 1.0.6 (Debian 12) leaves table comments out of its --json output."""
    match = re.match(r'\s*table \S+ \S+ \{\s*\n\s*comment "([^"]*)"', listing or "")
    return match.group(1) if match else ""


class FilterModule:
    def filters(self):
        return {"firewall_rules": firewall_rules, "firewall_keeps_controller": firewall_keeps_controller,
                "nft_table_comment": nft_table_comment}
