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


# The two screens every browser journey is walked on.
SCREEN_SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def signed_in(chromium, live_server, username: str, *, locale: str, size: str):
    """(context, page) of a fresh browser in ``locale`` (its Accept-Language) on one of SCREEN_SIZES, signed in
    through the login form as ``username``; close the context when done."""
    context = chromium.new_context(locale=locale, viewport=SCREEN_SIZES[size])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page
