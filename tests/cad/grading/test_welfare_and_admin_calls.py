"""WHAT and WHO, read on the rules alone: welfare and admin calls that share words with domestic
abuse are not domestic abuse, while the same words in an abusive call still are.

- A threat of suicide is a danger to the person, not a threat to another (DA Act 2021 s.1).
- A relative who has died is no party to anything now.
- A cut from a fall is an injury, not an act.
- The caller's own bail, bail for an offence against nobody in particular, and a child
  arrangements order (Children Act 1989 s.8) asked about amicably protect no victim.
- An awareness session about domestic abuse is not a report of it.

The sentences are written for these tests, not taken from the corpora."""

import pytest

from cad.grading import assess


def rules(narrative: str):
    return assess(narrative=narrative, channel="999", statistical=False)


@pytest.mark.parametrize(
    "narrative",
    [
        "Caller says her partner is on the bridge threatening to jump, he's not hurt anyone",
        "RP states son (24) threatening to end it all, has a rope, no threats to others",
        "I want to hand in an air rifle, it was my late dad's, it's in the garage",
        "My nan's passed away and we've found an old revolver in her wardrobe, what do we do",
        "My boyfriend tripped on the kerb and cut his head, he's bleeding quite a bit",
        "Caller's dad, 79, has had a fall in the garden and cut his arm, ambulance requested",
        "I'm on bail for a driving thing and need to sign on at a different station, my wife's "
        "got the car, is that allowed?",
        "My daughter's on bail for shoplifting, she's 20, and she's lost her bail sheet",
        "Me and my ex-husband get on fine, I just want advice about the court order for the kids "
        "going abroad at Easter",
        "Ringing to book a place on the domestic abuse training course at the library",
    ],
)
def test_welfare_and_admin_calls_are_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        "My husband is threatening to kill me and then himself, he's got a knife",
        "My ex is threatening to hurt me if I don't drop the case",
        "My husband died last year and now my son is hitting me for money",
        "He pushed me down the stairs and I fell and cut my head, he's still here",
        "My ex is on bail not to contact me and he's outside my door",
        "He's on bail for assaulting me and he's just turned up at my flat",
        "My ex has a court order not to come near the kids and he's outside the school now",
        "Caller says she's a domestic abuse victim and her ex is at the door now",
    ],
)
def test_the_same_words_in_an_abusive_call_stay_domestic_abuse(narrative):
    assert rules(narrative).domestic_abuse is True


@pytest.mark.parametrize(
    "narrative",
    [
        # A teenager's report of abuse between the adults at home (the issue's own kind).
        "my stepdad's got my mum up against the wall, im 14, please hurry hes gonna hurt her",
        # Log shorthand: "kicking back door" without "the".
        "IP states ex-p has come back and is kicking back door, 3rd call tonight",
        # An unknown person the call goes on to identify as a relative.
        "Open line, female crying, confirmed someone is hurting her, it's her husband, he's "
        "still there",
        # "not together any more" is a separation.
        "We're not together any more and he keeps turning up at my flat banging on the door",
        # A former spouse's parent is a relative (Family Law Act 1996 s.63).
        "My ex-husband's mum keeps turning up at my work threatening me",
    ],
)
def test_abuse_in_these_words_is_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is True, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        "I'm 15 and my brother who's 17 keeps punching me",
        "We're not together or anything, we just rent rooms in the same house, he punched me",
        "My ex has a non-mol against him - not for this - kids have broken into my shed",
        "RP (prev DA victim) reports bike stolen from the garden, CCTV shows two youths. No link "
        "to ex-p.",
        "My ex-boyfriend's dad came to my work and said he'd sort me out if I go near his son",
        "Handover at the services, the kids' dad is late again, stuck in traffic, I just want it "
        "noted as the court order says 5pm",
        "Bloke's got out of his car at the lights and punched my partner through the window",
    ],
)
def test_these_calls_are_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        # "two nights ago" is a time, not the husband's age.
        "Caller states she was sexually assaulted by her husband two nights ago, he's away now",
        "She says her partner punched her 3 days ago and she's still got the bruise",
        # Plural nouns for the acts.
        "Wants to report years of rapes and beatings by her ex-husband, no contact now",
        # A relative's spouse is the caller's relative (FLA 1996 s.63).
        "My son's wife keeps texting me abuse and turning up at my door",
    ],
)
def test_these_are_still_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is True, assessment.reasons


@pytest.mark.parametrize(
    "narrative",
    [
        "My brother's 30, he's autistic and he's banging his head against the wall, he's very "
        "distressed, he's not hurt anyone",
        "My ex has been great, she's come round to help me since I got burgled, she's here now",
        "The couple upstairs are screaming at the telly again, it's the boxing, every weekend",
        "My sister's ex keeps messaging me calling me a liar since I gave a statement for her",
    ],
)
def test_these_are_still_not_domestic_abuse(narrative):
    assessment = rules(narrative)
    assert assessment.domestic_abuse is False, assessment.reasons
