"""Constants the tests share with conftest.py."""

DEMO_PASSWORD = "demo-Passw0rd"


def describe_axe_violations(violations: list[dict]) -> str:
    """axe_violations' findings as lines a person can act on: where, which rule, what to fix."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']} on {violation['page']}: {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}  — {summary}")
    return "\n".join(lines)
