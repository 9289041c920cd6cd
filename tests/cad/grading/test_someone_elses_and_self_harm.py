"""WHO, read on the rules alone: someone else's relative, and an act done to oneself.

- A relative named as an unconnected person's or a partner's ("my landlord's son", "a patient's
  relative", "my brother's mate", "his partner's ex-husband") is connected to that person, not to
  the caller: their act on the caller or on the caller's family is not domestic abuse (Domestic
  Abuse Act 2021 s.2; in-laws are relatives, Family Law Act 1996 s.63, so "my husband's
  ex-wife slapped my husband" and "my sister's husband punched her" stay DA).
- Self-harm, an overdose or a relative smashing his own things is a welfare call, not behaviour
  of one person towards another (s.1).

Left ambiguous on purpose: "a passenger's brother threatened him" ("him" could be the passenger,
as in "a client's ex-partner has hit her", a third party's DA report), so only the named victim
is read as the caller's here.

The sentences are written for these tests, not taken from the corpora."""

import pytest

from cad.grading import assess


def rules(narrative: str):
    return assess(narrative=narrative, channel="999", statistical=False)


@pytest.mark.parametrize(
    "narrative",
    [
        # An unconnected person's relative acting on the caller, on every act of the call.
        "The man who owns my flat, well my landlord's son's been threatening me, says he'll "
        "break my legs if I don't pay, he's just left",
        "My husband drives a taxi and a passenger's brother threatened my husband at the rank",
        # A relative owning a person ("my brother's mate") does not act: the mate does.
        "Caller says she was slapped by her sister's mate at the christening, not related to her",
        "IP states he was punched by his cousin's friend outside the pub last night",
        # A partner's or an ex's new partner, acting on the caller named by a pronoun.
        "Caller says her ex's new boyfriend keeps texting her calling her names",
        "RP states ex-h's new wife slapped her in the school car park, no injuries",
    ],
)
def test_someone_elses_relative_acting_on_the_caller_is_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        # The relative's own partner or relative is the victim: a third party's report.
        "A client's ex-partner has turned up at the refuge and he's punched her",
        "My husband's ex-wife has just slapped my husband on the doorstep",
        "My sister's husband has punched her, she's bleeding",
        "My neighbour's husband is hitting her again, I can hear her screaming",
        # A relative of the caller's own family acting on the caller stays DA.
        "My son's girlfriend is here and my son has hit me",
        "My daughter's ex-boyfriend has just punched her in the face",
        "My son's ex-girlfriend keeps threatening him, she's outside his flat now",
    ],
)
def test_the_owners_own_relative_stays_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        "My brother's 23 and he's self harming, he's cut his arms, he's not threatening anyone",
        "Caller says her dad has locked himself in the garage and taken a load of his pills, "
        "she's scared, he's 61",
        "My wife's in a bad way, she's smashing up her own things in the spare room, she's never "
        "hurt me, it's her mental health",
        "RP states partner has cut himself, superficial, RP with him, not hostile",
    ],
)
def test_self_harm_and_an_overdose_are_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband cut her arm with a knife, my daughter's 19, she's bleeding",
        "He's smashing up my things and he's hit me, my boyfriend, he won't stop",
        "My ex is outside, I've locked myself in the bathroom, I'm terrified",
        "My sister's locked herself in the bathroom because her husband is kicking the door in",
        "My partner's cutting up my clothes and he's punched me",
    ],
)
def test_acts_on_another_stay_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is True


def test_a_weapon_of_the_victims_own_is_still_an_act_on_them():
    assessment = rules(
        "Caller says his daughter, who's his carer, has hit him with his own crutch and is "
        "stood over him shouting, he's 81"
    )
    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        # Strangers the lexicon now names: a football fan, a doorman, bailiffs.
        "Me and my wife were at the match and an away fan punched her, we've left the ground now",
        "Caller's boyfriend thrown out of the club by a doorman, hit his head, doorman still there",
        "Bailiffs at the door saying they'll break in, my husband's shaking, is this legal",
        # Log shorthand for an unconnected person: "Male at door", "n/bour".
        "Male at door with a crowbar asking for 'Dean', inf doesn't know him, inf and husband "
        "holding the door. Susp kicking door.",
        "IP and her partner both punched by n/bour (no.12) over bins, 20 mins ago, n/bour now "
        "back inside",
        # An act nobody is named as doing, when a stranger did the act that names who did it.
        "Assault outside Wetherspoons last Sat. IP (F) punched by unknown female. IP's husband "
        "was with her.",
    ],
)
def test_a_strangers_acts_with_a_partner_beside_are_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


def test_an_act_with_nobody_named_stays_the_partners_when_the_partner_did_another():
    assessment = rules("Assault. Some lad shouted at IP in the street. IP's husband punched her.")
    assert assessment.domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        # "her dad" where "her" is the caller's child: the child's other parent (DA Act 2021
        # s.2(1)(f): both parents of the same child are personally connected).
        "My daughter is 3, her dad has just punched me in the kitchen",
        "My little boy's 5 and his dad keeps turning up at my work threatening me",
    ],
)
def test_the_callers_childs_other_parent_is_connected(narrative):
    assert rules(narrative).domestic_abuse is True


def test_a_friends_dad_is_still_someone_elses():
    assessment = rules("My friend is staying over and her dad came round and shoved me")
    assert assessment.domestic_abuse is False


@pytest.mark.parametrize(
    ("narrative", "child"),
    [
        ("Inf = school DSL. Pupil (7) disclosed mum's b/f hit him w/ belt, marks on arm", "Pupil"),
        ("I'm a teaching assistant. A girl in my class, she's 8, says her dad slaps her", "A girl"),
    ],
)
def test_the_models_gate_is_shut_when_the_one_hit_is_a_child(narrative, child):
    from tests.cad.grading.test_unconnected_gate import gate_of

    gate = gate_of(narrative)
    assert gate.open is False
    assert gate.blocked_by == child


def test_a_child_named_after_the_act_does_not_shut_the_gate():
    from tests.cad.grading.test_unconnected_gate import gate_of

    gate = gate_of("My partner is hitting her, says caller, her son's 6 and watching it all")
    assert gate.blocked_by != "son"


@pytest.mark.parametrize(
    "narrative",
    [
        # Words saying who the caller is are not another person in the call.
        "inf n/bour hearing male shouting 'I'll kill you' and female screaming at no.9, "
        "thuds through the wall, inf states police have been before for the couple",
        "Neighbour reports stepdad at adjoining address hitting mum, screaming heard, ongoing",
    ],
)
def test_a_neighbour_who_is_the_caller_does_not_shut_the_gate(narrative):
    from tests.cad.grading.test_unconnected_gate import gate_of

    assert gate_of(narrative).open is True


@pytest.mark.parametrize(
    "narrative",
    [
        "My ex-wife's bike has been nicked from her shed, I'm ringing for her, we're still good "
        "friends, she's here with me",
        "IP reports ex-p's car was scratched in the school car park. IP and ex-p co-parent "
        "without issue.",
    ],
)
def test_the_models_gate_is_shut_when_the_caller_says_they_are_on_good_terms(narrative):
    from tests.cad.grading.test_unconnected_gate import gate_of

    gate = gate_of(narrative)
    assert gate.open is False
    assert gate.blocked_by == "the caller says they are on good terms"


@pytest.mark.parametrize(
    "narrative",
    [
        # Good terms said, but abusive behaviour read: the gate is not shut for it.
        "We split amicably but he's been tracking my phone and turning up at my work",
        "We get on fine mostly, but he won't let me see my friends and checks my phone",
    ],
)
def test_good_terms_do_not_shut_the_gate_on_abusive_behaviour(narrative):
    from tests.cad.grading.test_unconnected_gate import gate_of

    gate = gate_of(narrative)
    assert gate.blocked_by in ("", None) or gate.open


def test_the_friends_the_caller_is_kept_from_do_not_act():
    from tests.cad.grading.test_unconnected_gate import gate_of

    gate = gate_of("He won't let me see my friends and checks my phone every night")
    assert gate.blocked_by != "my friends"
    assert gate.unblocked


@pytest.mark.parametrize(
    "narrative",
    [
        # A threat that names its speaker inside it ("they're going to stab him") was made by
        # that speaker, a group of strangers here, not by the husband named before it.
        "Three lads are squaring up to my husband outside the chippy saying they're going to "
        "stab him, they're still here",
        "Two women I've never seen are following me and my wife and saying they'll batter us",
        # "every day" alone is not stalking: a relative who normally rings every day.
        "My aunt lives alone, she normally rings every day and she hasn't rung since Friday",
    ],
)
def test_a_groups_threats_and_a_habit_are_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband is saying he's going to kill me when he gets in",
        "My ex texts me every day calling me names and he waits outside my work",
    ],
)
def test_a_partners_threats_and_daily_contact_stay_domestic_abuse(narrative):
    assert rules(narrative).domestic_abuse is True
