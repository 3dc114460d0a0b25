"""Finding 1 (issue #17): account pre-hijack through invitations.

An admin used to "invite" any address, which created the account and showed the admin its set-password link;
another team's invitation then silently pulled the existing account in. Invitations are now offers e-mailed
to the address; nothing happens until its owner accepts.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.actions import do_invite_member, do_resend_invitation, do_revoke_invitation
from accounts.models import AuditEvent, AuditEventType, Invitation, InvitationState, Membership, Role, User

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/accounts/invitations/[^/\s]+/)")


def invite(client, email, role="member"):
    return client.post("/accounts/team/invite/", {"email": email, "role": role}, follow=True)


def link_in(message):
    return LINK.search(message.body).group(1)


def audit_types(invitation):
    return list(AuditEvent.objects.filter(target_type="Invitation", target_id=str(invitation.public_id)).values_list("event_type", flat=True))


def test_the_inviting_admin_never_sees_a_link_and_no_account_exists_until_acceptance(client, alice, team, mailoutbox):
    client.force_login(alice)
    page = invite(client, "victim@example.org").content.decode()
    assert "Invitation sent to victim@example.org" in page
    assert "/accounts/invitations/" not in page and "/accounts/reset/" not in page
    # Nothing the admin could use to set a password: no account exists yet.
    assert not User.objects.filter(email="victim@example.org").exists()
    # The token reaches only the invited address.
    (message,) = mailoutbox
    assert message.to == ["victim@example.org"] and "/accounts/invitations/" in message.body
    invitation = Invitation.objects.get(email="victim@example.org")
    assert invitation.state == InvitationState.PENDING
    assert link_in(message).split("/")[-2] not in invitation.token_hash  # only a hash is stored
    assert audit_types(invitation) == [AuditEventType.INVITATION_SENT]


def test_a_second_team_cannot_pull_an_existing_account_in(client, alice, team, charlie, other_team, bob, mailoutbox):
    # Charlie (owner of another team) invites bob, who already has an account.
    client.force_login(charlie)
    invite(client, "bob@example.org", "admin")
    assert not Membership.objects.filter(team=other_team, user=bob).exists()
    link = link_in(mailoutbox[0])

    # Someone else holding the link (charlie himself) cannot accept it for bob.
    refused = client.post(link, {"action": "accept"})
    assert refused.status_code == 403 and b"invitation_wrong_account" in refused.content
    # Nor can an anonymous visitor: an existing account must sign in.
    anonymous = Client().post(link, {"action": "accept", "password1": "x-long-pass-991", "password2": "x-long-pass-991"})
    assert anonymous.status_code == 403 and b"invitation_wrong_account" in anonymous.content
    assert not Membership.objects.filter(team=other_team, user=bob).exists()
    assert User.objects.get(email="bob@example.org").check_password("bob-password-1")

    # Bob, signed in, accepts: only then does he join.
    bobs = Client()
    bobs.force_login(bob)
    assert bobs.post(link, {"action": "accept"}).status_code == 302
    assert Membership.objects.get(team=other_team, user=bob).role == Role.ADMIN
    invitation = Invitation.objects.get(email="bob@example.org")
    assert audit_types(invitation) == [AuditEventType.INVITATION_SENT, AuditEventType.INVITATION_ACCEPTED]


def test_the_new_account_gets_the_password_its_owner_chose(client, alice, team, mailoutbox):
    client.force_login(alice)
    invite(client, "erin@example.org")
    link = link_in(mailoutbox[0])
    mismatch = Client().post(link, {"action": "accept", "password1": "violet-harbour-77", "password2": "other-harbour-77"})
    assert mismatch.status_code == 400 and b"The two passwords differ." in mismatch.content
    assert not User.objects.filter(email="erin@example.org").exists()
    Client().post(link, {"action": "accept", "password1": "violet-harbour-77", "password2": "violet-harbour-77"})
    erin = User.objects.get(email="erin@example.org")
    assert erin.check_password("violet-harbour-77")
    assert Membership.objects.filter(team=team, user=erin, role=Role.MEMBER).exists()


def test_a_declined_invitation_adds_nobody(client, alice, team, charlie, mailoutbox):
    client.force_login(alice)
    invite(client, "charlie@example.org")
    link = link_in(mailoutbox[0])
    charlies = Client()
    charlies.force_login(charlie)
    assert charlies.post(link, {"action": "decline"}).status_code == 302
    assert not Membership.objects.filter(team=team, user=charlie).exists()
    invitation = Invitation.objects.get(email="charlie@example.org")
    assert invitation.state == InvitationState.DECLINED
    assert audit_types(invitation) == [AuditEventType.INVITATION_SENT, AuditEventType.INVITATION_DECLINED]
    assert charlies.post(link, {"action": "accept"}).status_code == 410


def test_resending_replaces_the_link_and_revoking_kills_it(client, alice, team, mailoutbox):
    client.force_login(alice)
    invite(client, "frank@example.org")
    invitation = Invitation.objects.get(email="frank@example.org")
    first = link_in(mailoutbox[0])
    resent = client.post(f"/accounts/team/invitations/{invitation.public_id}/resend/", follow=True)
    assert "Invitation sent to frank@example.org again" in resent.content.decode()
    second = link_in(mailoutbox[1])
    assert first != second
    old = Client().get(first)
    assert old.status_code == 404 and b"invitation_invalid" in old.content
    assert Client().get(second).status_code == 200

    revoked = client.post(f"/accounts/team/invitations/{invitation.public_id}/revoke/", follow=True)
    assert "Invitation to frank@example.org revoked." in revoked.content.decode()
    gone = Client().post(second, {"action": "accept", "password1": "violet-harbour-77", "password2": "violet-harbour-77"})
    assert gone.status_code == 410 and b"invitation_closed" in gone.content
    assert not User.objects.filter(email="frank@example.org").exists()
    assert audit_types(invitation) == [
        AuditEventType.INVITATION_SENT, AuditEventType.INVITATION_RESENT, AuditEventType.INVITATION_REVOKED
    ]


def test_an_expired_invitation_is_refused_and_audited(alice, team, mailoutbox):
    invitation = do_invite_member(team=team, email="gina@example.org", acting_user=alice)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = Client().post(link_in(mailoutbox[0]), {"action": "accept", "password1": "violet-harbour-77", "password2": "violet-harbour-77"})
    assert response.status_code == 410 and b"invitation_expired" in response.content
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.EXPIRED
    assert audit_types(invitation) == [AuditEventType.INVITATION_SENT, AuditEventType.INVITATION_EXPIRED]
    assert not User.objects.filter(email="gina@example.org").exists()


def test_members_and_outsiders_cannot_send_resend_or_revoke(client, alice, bob, team, charlie, other_team, mailoutbox):
    invitation = do_invite_member(team=team, email="hal@example.org", acting_user=alice)
    client.force_login(bob)
    assert "(not_team_admin)" in invite(client, "ivy@example.org").content.decode()
    for verb in ("resend", "revoke"):
        assert "(not_team_admin)" in client.post(f"/accounts/team/invitations/{invitation.public_id}/{verb}/", follow=True).content.decode()
    client.force_login(charlie)  # another team's invitation is not found
    assert client.post(f"/accounts/team/invitations/{invitation.public_id}/revoke/").status_code == 404
    assert len(mailoutbox) == 1
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING
    with pytest.raises(Exception) as refused:
        do_resend_invitation(invitation=invitation, acting_user=bob)
    assert refused.value.code == "not_team_admin"
    do_revoke_invitation(invitation=invitation, acting_user=alice)
    with pytest.raises(Exception) as closed:
        do_resend_invitation(invitation=invitation, acting_user=alice)
    assert closed.value.code == "invitation_closed"


def test_a_second_invitation_to_the_same_address_is_a_clear_refusal(client, alice, team, mailoutbox):
    client.force_login(alice)
    invite(client, "jo@example.org")
    again = invite(client, "jo@example.org").content.decode()
    assert "(already_invited)" in again
    assert Invitation.objects.filter(email="jo@example.org").count() == 1
