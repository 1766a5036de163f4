"""Sign-in throttling, as a person signing in or an attacker guessing meets it.

Three counters of failed sign-ins (docs/operations.md, "Sign-in throttling"): one username
from one address locks at 5, one address over all usernames at 20, one username over all
addresses at 10; past half its limit a counter asks for a growing pause after each failure.
Time passes by moving the recorded failures into the past.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F, Sum
from django.test import Client
from django.urls import reverse

from assess.clientip import signin_address

WRONG_PASSWORD = "Please enter a correct username and password"
LOCKED = "Too many failed sign-ins"
PAUSED = "Please wait before trying again"

OFFICE = "198.51.100.7"  # rachel's and ravi's office
ELSEWHERE = "192.0.2.44"  # rachel's home


@pytest.fixture(autouse=True)
def limits(settings):
    """The documented defaults, pinned so that the numbers below read as the rules."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 20
    settings.AXES_USERNAME_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.AXES_DELAY_SECONDS = 2
    settings.AXES_DELAY_MAX_SECONDS = 60
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def no_pauses(settings):
    """For the tests of what each counter counts: guesses as fast as a script sends them."""
    settings.AXES_DELAY_SECONDS = 0


@pytest.fixture
def rachel(django_user_model):
    """A recruiter whose account is the target."""
    return django_user_model.objects.create_user("rachel", password="the-right-one-2026")


@pytest.fixture
def ravi(django_user_model):
    """Rachel's colleague, signing in from the same office."""
    return django_user_model.objects.create_user("ravi", password="ravi-right-2026")


@pytest.fixture
def mallory(django_user_model):
    """An attacker who also holds an account of her own."""
    return django_user_model.objects.create_user("mallory", password="mallory-own-2026")


def sign_in(client, username: str, password: str, address: str = OFFICE, url=None, **extra):
    return client.post(
        url or reverse("org:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def let_time_pass(seconds: float) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def recorded_failures() -> int:
    return AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] or 0


def addresses_in(network: str, count: int) -> list[str]:
    """`count` different random addresses inside `network`."""
    net = ipaddress.ip_network(network)
    rng = random.Random(network)
    picked = {str(net[rng.randrange(1, net.num_addresses - 1)]) for _ in range(count * 2)}
    return sorted(picked)[:count]


# --- What each counter counts ----------------------------------------------------------------


@pytest.mark.django_db
def test_guesses_spread_over_many_addresses_lock_the_username(no_pauses, rachel, ravi):
    attacker = Client()
    botnet = [f"203.0.113.{n}" for n in range(1, 11)]
    pages = [sign_in(attacker, "rachel", f"guess-{n}", address) for n, address in enumerate(botnet)]
    assert [p.status_code for p in pages[:9]] == [200] * 9
    assert all(WRONG_PASSWORD in p.content.decode() for p in pages[:9])
    assert pages[9].status_code == 429  # the 10th failure for rachel, from anywhere
    assert "Sign-in to this account is paused from every address" in pages[9].content.decode()

    # Rachel herself, from home, with the right password: refused, unchecked.
    owner = Client()
    page = sign_in(owner, "rachel", "the-right-one-2026", ELSEWHERE)
    assert page.status_code == 429 and LOCKED in page.content.decode()
    assert not signed_in(owner)
    # The addresses are not locked: ravi signs in from one of them.
    colleague = Client()
    assert sign_in(colleague, "ravi", "ravi-right-2026", botnet[0]).status_code == 302
    assert signed_in(colleague)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sprayer",
    [["203.0.113.5"] * 20, addresses_in("2001:db8:1:2::/64", 20)],
    ids=["one IPv4 address", "20 addresses of one IPv6 /64"],
)
def test_usernames_sprayed_from_one_address_lock_the_address(no_pauses, rachel, sprayer):
    attacker = Client()
    pages = [
        sign_in(attacker, f"user{n}", "Summer2026!", address) for n, address in enumerate(sprayer)
    ]
    assert [p.status_code for p in pages[:19]] == [200] * 19
    assert pages[19].status_code == 429  # the 20th failure from that address, any usernames
    body = pages[19].content.decode()
    assert "Sign-in from your network address is paused for every account" in body

    # Anyone at the sprayer's address is refused, even with the right password...
    neighbour = Client()
    same_block = sprayer[0] if ":" not in sprayer[0] else "2001:db8:1:2::beef"
    assert sign_in(neighbour, "rachel", "the-right-one-2026", same_block).status_code == 429
    assert not signed_in(neighbour)
    # ...while rachel signs in from elsewhere.
    other_block = "203.0.113.6" if ":" not in sprayer[0] else "2001:db8:1:3::1"
    owner = Client()
    assert sign_in(owner, "rachel", "the-right-one-2026", other_block).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "guessed_from, then_from, locked",
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", True),  # one /64: one client
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),  # the next /64: someone else
        ("198.51.100.7", "::ffff:198.51.100.7", True),  # IPv4-mapped IPv6 is the IPv4 address
        ("198.51.100.7", "198.51.100.8", False),  # IPv4 addresses are not grouped
    ],
)
def test_addresses_count_by_the_block_one_client_holds(
    no_pauses, rachel, guessed_from, then_from, locked
):
    attacker = Client()
    for n in range(5):
        sign_in(attacker, "rachel", f"guess-{n}", guessed_from)
    owner = Client()
    page = sign_in(owner, "rachel", "the-right-one-2026", then_from)
    assert (page.status_code, signed_in(owner)) == ((429, False) if locked else (302, True))


@pytest.mark.django_db
def test_the_right_password_after_a_lockout_is_refused_until_the_cool_off_ends(no_pauses, rachel):
    client = Client()
    statuses = [sign_in(client, "rachel", f"wrong-{n}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    page = sign_in(client, "rachel", "the-right-one-2026")
    body = page.content.decode()
    assert page.status_code == 429 and LOCKED in body
    assert "Sign-in to this account from your address is paused" in body
    assert "Try again in 15 minutes" in body and page["Retry-After"] == "900"
    assert not signed_in(client)
    assert recorded_failures() == 5  # refused attempts are not counted

    let_time_pass(15 * 60 - 1)
    page = sign_in(client, "rachel", "the-right-one-2026")
    assert page.status_code == 429 and page["Retry-After"] == "1"
    let_time_pass(1)
    assert sign_in(client, "rachel", "the-right-one-2026").status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_sixty_wrong_passwords_lock_the_admin_sign_in(no_pauses, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "admin-right-2026")
    client, url = Client(), reverse("admin:login")
    statuses = [sign_in(client, "root", f"wrong-{n}", url=url).status_code for n in range(60)]
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}
    right = sign_in(client, "root", "admin-right-2026", url=url)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_lockout_is_per_account_and_a_few_mistakes_do_not_lock(no_pauses, rachel, ravi):
    for n in range(10):
        sign_in(Client(), "rachel", f"wrong-{n}")
    colleague = Client()
    for n in range(3):
        sign_in(colleague, "ravi", f"wrong-{n}")
    assert sign_in(colleague, "ravi", "ravi-right-2026").status_code == 302
    assert signed_in(colleague)


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_dodge_the_lockout(no_pauses, rachel):
    client = Client()
    for n in range(10):
        sign_in(client, "rachel", f"wrong-{n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 100}")
    page = sign_in(client, "rachel", "the-right-one-2026", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert page.status_code == 429


# --- What a success forgives -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_successful_sign_in_forgives_the_user_s_own_mistakes(no_pauses, rachel):
    for _ in range(2):
        client = Client()
        pages = [sign_in(client, "rachel", f"typo-{n}") for n in range(4)]
        assert all(WRONG_PASSWORD in p.content.decode() for p in pages)
        assert sign_in(client, "rachel", "the-right-one-2026").status_code == 302
    # Eight typos in all, but never five since the last success.


@pytest.mark.django_db
def test_signing_in_to_an_own_account_does_not_clear_a_spray(no_pauses, rachel, mallory):
    attacker = Client()
    for n in range(19):
        assert sign_in(attacker, f"user{n}", "Summer2026!").status_code == 200
    assert sign_in(attacker, "mallory", "mallory-own-2026").status_code == 302
    page = sign_in(Client(), "user19", "Summer2026!")
    assert page.status_code == 429 and "network address" in page.content.decode()


@pytest.mark.django_db
def test_the_owner_signing_in_does_not_clear_guesses_from_elsewhere(no_pauses, rachel):
    for n in range(9):
        sign_in(Client(), "rachel", f"guess-{n}", f"203.0.113.{n + 1}")
    assert sign_in(Client(), "rachel", "the-right-one-2026", ELSEWHERE).status_code == 302
    page = sign_in(Client(), "rachel", "guess-9", "203.0.113.99")
    assert page.status_code == 429  # the tenth guess still locks the username


# --- Slowing down before the lock ------------------------------------------------------------


@pytest.mark.django_db
def test_a_quick_retry_past_half_the_limit_is_asked_to_wait_and_not_counted(rachel):
    client = Client()
    statuses = [sign_in(client, "rachel", f"typo-{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 200]  # up to half of 5: no pause; after the third: 2 s

    for password in ("typo-3", "the-right-one-2026"):
        page = sign_in(client, "rachel", password)
        body = page.content.decode()
        assert page.status_code == 429 and PAUSED in body and LOCKED not in body
        assert "Try again in 2 seconds" in body and page["Retry-After"] == "2"
    assert not signed_in(client)
    assert recorded_failures() == 3  # neither password was checked

    let_time_pass(2)
    assert sign_in(client, "rachel", "the-right-one-2026").status_code == 302


def _guess_patiently(client, username: str, address: str) -> tuple[object, list[int]]:
    """Send one wrong guess, waiting as long as each 'please wait' page asks."""
    waits = []
    while True:
        page = sign_in(client, username, "Summer2026!", address)
        if page.status_code != 429 or PAUSED not in page.content.decode():
            return page, waits
        waits.append(int(page["Retry-After"]))
        let_time_pass(waits[-1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attack, pauses",
    [
        # 20 usernames from one address: free up to 10, then 2, 4, ... capped at 60 s.
        ([(f"user{n}", "203.0.113.5") for n in range(20)], [2, 4, 8, 16, 32, 60, 60, 60, 60]),
        # One username from 10 addresses: free up to 5, then 2, 4, 8, 16 s.
        ([("rachel", f"203.0.113.{n + 1}") for n in range(10)], [2, 4, 8, 16]),
    ],
    ids=["spray", "spread"],
)
def test_a_patient_attacker_is_slowed_down_and_then_locked(rachel, attack, pauses):
    attacker, waited, pages = Client(), [], []
    for username, address in attack:
        page, waits = _guess_patiently(attacker, username, address)
        pages.append(page)
        waited += waits
    assert waited == pauses
    assert [p.status_code for p in pages[:-1]] == [200] * (len(attack) - 1)
    assert pages[-1].status_code == 429 and LOCKED in pages[-1].content.decode()


# --- Odd input -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username, password, counted",
    [
        ("", "x", False),
        ("   ", "x", False),
        ("rach\x00el", "x", False),
        ("rachel", "pass\x00word", False),
        ("r" * 10_000, "x", True),
        ("\u00e9" * 300, "x", True),
    ],
    ids=["empty", "blank", "NUL in username", "NUL in password", "huge", "long non-ASCII"],
)
def test_odd_sign_in_input_gets_the_form_back_not_a_server_error(
    rachel, username, password, counted
):
    page = sign_in(Client(), username, password)
    body = page.content.decode()
    assert page.status_code == 200 and 'name="username"' in body
    # The form refuses an empty field or a NUL before any password is checked (the page
    # shows no message for it: the sign-in template prints only the form-wide error).
    assert (WRONG_PASSWORD in body) == counted
    assert recorded_failures() == (1 if counted else 0)
    if counted:  # axes's column holds 255 characters; no account has more than 150
        assert len(AccessAttempt.objects.get().username) == 255


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forwarded, counted_against",
    [
        ("", "10.0.0.2"),  # no entry from the proxy: the proxy's own address
        (",, ,", "10.0.0.2"),
        ("unknown", "10.0.0.2"),
        ("203.0.113.9\x00", "10.0.0.2"),
        ("x" * 5000, "10.0.0.2"),
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the proxy's entry, not the client's
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8:1:2::9]:443", "2001:db8:1:2::"),
        ("2001:db8:1:2::9%eth0", "2001:db8:1:2::"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_odd_forwarded_headers_get_the_form_back_and_count_against_an_address(
    settings, rachel, forwarded, counted_against
):
    settings.TRUSTED_PROXY_COUNT = 1
    page = sign_in(Client(), "rachel", "wrong", "10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert page.status_code == 200 and WRONG_PASSWORD in page.content.decode()
    assert AccessAttempt.objects.get().ip_address == counted_against


@pytest.mark.parametrize(
    "remote, forwarded, proxies, expected",
    [
        ("10.0.0.2", "6.6.6.6, 203.0.113.9", 0, "10.0.0.2"),  # no proxy: the header is a claim
        ("10.0.0.2", "6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),  # the entry the proxy added
        ("10.0.0.2", "203.0.113.9, 10.0.0.1", 2, "203.0.113.9"),
        ("10.0.0.2", "203.0.113.9", 2, "10.0.0.2"),  # fewer entries than proxies
        ("2001:db8:aa:bb:1:2:3:4", "", 0, "2001:db8:aa:bb::"),
        ("2001:DB8:AA:BB::1", "", 0, "2001:db8:aa:bb::"),
        ("fe80::1%eth0", "", 0, "fe80::"),
        ("::ffff:10.1.2.3", "", 0, "10.1.2.3"),
        ("", "", 0, ""),
        ("garbage", "", 0, ""),
    ],
)
def test_the_sign_in_address_trusts_only_the_proxy_s_entry_and_groups_ipv6_by_64(
    rf, settings, remote, forwarded, proxies, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert signin_address(request) == expected
