"""Who did a behaviour to whom, and whether that makes it domestic abuse.

For each behaviour hit (WHAT) this module fills the WHO slots: the agent (who did it), the
patient (to whom) and the personal connection that makes it domestic abuse (Domestic Abuse Act
2021 s.1-2: both 16 or over and personally connected), or the person who blocks that reading (a
stranger did it, or a party is under 16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cad.grading.people import CALLER, PRONOUN, REL, STRANGER, Mention, People
from cad.grading.rules import Hit
from cad.grading.text import Narrative

# Behaviours that are domestic in themselves when an unnamed "he"/"she" does them to the caller.
IMPLIED_CONNECTION_BEHAVIOURS = ("CONTROLLING", "ECONOMIC", "INTIMATE_IMAGE")
# A stranger on the receiving end blocks only these ("my husband got into a fight with a
# bouncer"); images sent to colleagues or a scene made in front of customers are still abuse of
# the partner.
PATIENT_BLOCKS = ("VIOLENCE", "THREATS", "DAMAGE")
PATIENT_STOPS = frozenset(
    {"if", "and", "but", "when", "while", "because", "so", "then", "who", "which", "that", "or"}
)
_HOLDS = re.compile(
    r"^\s*(?:'s got|has got|has|had|'s|got|is holding|was holding|held|grabbed|pinned|"
    r"is dragging|dragged)\s+(?:(?:my|me|ma|her|his|the|their|our)\s+)?$"
)
_CALLERS_BODY = frozenset({"my", "me", "myself"})
_OBJECT_WORDS = frozenset({"him", "her", "them", "me", "us", "myself"})
_PASSIVE_AUX = frozenset(
    {"was", "were", "been", "being", "got", "get", "gets", "getting", "is", "are", "am"}
)
_CONTRACTED_SUBJECTS = frozenset({"he's", "she's", "hes", "shes"})
# After "he's <participle>", words that make it "he has done it to ...": active.
_ACTIVE_FOLLOWERS = _OBJECT_WORDS | {
    "and",
    "the",
    "a",
    "an",
    "my",
    "his",
    "her",
    "their",
    "our",
    "your",
    "it",
    "everything",
    "all",
    "up",
    "through",
    "into",
    # Phrasal verbs: "he's kicked in the door", "he's smashed up the kitchen".
    "in",
    "down",
    "out",
    "over",
    "off",
    "at",
    "back",
    "round",
}
_IRREGULAR_PARTICIPLES = frozenset(
    {"hit", "hurt", "beat", "shot", "bit", "struck", "thrown", "held", "stuck"}
)


@dataclass
class Link:
    """Who did a behaviour, and whether that makes it domestic abuse."""

    hit: Hit
    linked: bool
    agent: Mention | None = None
    patient: Mention | None = None
    connection: Mention | None = None  # the relationship that makes it DA
    blocked_by: Mention | None = None  # the unconnected (or under-16) person who did it

    @property
    def third_party(self) -> bool:
        """Reported by someone who is not a party ("my neighbour's partner", "my sister is
        being hit by her husband", "the couple next door")."""
        if not self.linked or self.connection is None:
            return False
        connection, patient = self.connection, self.patient
        if connection.possessor == "noun" or "couple" in connection.text.lower():
            return True
        return (
            patient is not None
            and patient.kind == REL
            and patient.possessor == "caller"
            and connection is not patient
        )


def _is_passive(narrative: Narrative, hit: Hit) -> bool:
    clause = narrative.clause_of(hit.start)
    inside = narrative.tokens_between(hit.start, hit.end)
    before = narrative.tokens_before(hit.start, 2, clause.start)
    words = [t.text for t in before + inside]
    after = [t.text for t in narrative.tokens_between(hit.end, clause.end)[:1]]
    for i, word in enumerate(words):
        if word in _CONTRACTED_SUBJECTS:
            # "he's bitten on the arm" (is: done to him) against "he's bitten me" (has: done by
            # him): passive only when nothing he could have done it to follows.
            following = words[i + 1 : i + 2]
            rest = words[i + 2 :] + after
            if (
                following
                and (following[0].endswith(("ed", "en")) or following[0] in _IRREGULAR_PARTICIPLES)
                and not (rest and rest[0] in _ACTIVE_FOLLOWERS)
            ):
                return True
            continue
        if word in _PASSIVE_AUX:
            for following in words[i + 1 : i + 4]:
                if following in _OBJECT_WORDS:
                    break  # "got me pinned": active, someone did it to me
                if following.endswith("ing"):
                    break
                if following.endswith(("ed", "en")) or following in _IRREGULAR_PARTICIPLES:
                    return True
    return False


def _by_agent(narrative: Narrative, hit: Hit, people: People) -> Mention | None:
    """ "... by her husband": the agent named after a passive."""
    clause = narrative.clause_of(hit.start)
    after = narrative.tokens_between(hit.start, clause.end)
    after = [t for t in after if t.start >= hit.end or t.text == "by"][:6]
    for token in after:
        if token.text != "by":
            continue
        for mention in people.index.between(token.end - 1, token.end + 31):
            if mention.kind != CALLER:
                return mention
            if mention.start <= token.end + 3:
                return mention
    return None


def _patient(narrative: Narrative, hit: Hit, people: People) -> Mention | None:
    """Who the behaviour was done to: a person inside the matched words ("hit me") or within a
    few words after them, before any "if", "and", "when" starts something else."""
    clause = narrative.clause_of(hit.start)
    limit = hit.end
    for token in narrative.tokens_between(hit.end, clause.end)[:5]:
        if token.text in PATIENT_STOPS:
            break
        limit = token.end
    for mention in people.index.between(hit.start, limit):
        if mention.kind in (PRONOUN, CALLER) and not mention.can_be_acted_on:
            continue
        if mention.possessive == "relation":
            continue
        return mention
    words = {t.text for t in narrative.tokens_between(hit.start, hit.end)}
    if words & _CALLERS_BODY:
        # "put his hands round my neck", "a knife to me throat": done to the caller.
        return Mention(CALLER, hit.start, hit.end, narrative.quote(*hit.span), role="obj")
    return None


def _link_pronoun(
    narrative: Narrative, hit: Hit, agent: Mention, patient: Mention | None, people: People
) -> Link:
    """An unnamed "he"/"she" did it, with no one named before them."""
    connections = people.connections
    if connections:
        # "He's hitting my mum": someone in the household.
        return Link(hit, True, agent, patient, connection=connections[0])
    # "I was in the pub and he just punched me": a public place shortly before the act.
    sentence = narrative.sentence_of(hit.start)
    floor = max(sentence.start, hit.start - 60)
    in_public = any(floor <= start < hit.start for start, _ in people.public_places)
    if people.strangers or in_public or people.denies_connection:
        # Or the caller says there is no relationship: "we're not together or anything".
        return Link(hit, False, agent, patient)
    if hit.code in IMPLIED_CONNECTION_BEHAVIOURS:
        # "He won't let me leave the house": coercive control of the caller implies a
        # personal connection even when the caller does not name it.
        return Link(hit, True, agent, patient, connection=agent)
    if patient is not None and patient.kind in (CALLER, PRONOUN):
        # "He choked me", "she says he hit her": the caller speaks of "he" as someone the
        # handler should know, with no stranger in the story: someone close to the victim.
        return Link(hit, True, agent, patient, connection=agent)
    return Link(hit, False, agent, patient)


def _find_agent(narrative: Narrative, hit: Hit, people: People, patient) -> tuple:
    """(agent, patient, passive): the one who did it, by "by ..." or the nearest actor before."""
    agent = _by_agent(narrative, hit, people) or _speaker_inside(hit, people)
    passive = agent is None and _is_passive(narrative, hit)
    clause = narrative.clause_of(hit.start)
    if passive:
        patient = people.index.nearest_before(hit.start, clause.start) or patient
    elif agent is None:
        # Nobody hits themselves: "my ex, who I left, hit me" -> the ex.
        actors = people.actors_not_caller if patient and patient.kind == CALLER else people.actors
        sentence = narrative.sentence_of(hit.start)
        agent = actors.nearest_before(hit.start, clause.start) or actors.nearest_before(
            hit.start, sentence.start
        )
        if agent is not None and patient is None:
            holder = actors.nearest_before(agent.start, sentence.start)
            if holder is not None and _HOLDS.match(narrative.text[holder.end : agent.start]):
                # "my stepdad has my mum by the throat": the one holding, and the one held.
                agent, patient = holder, agent
    return agent, patient, passive


def _speaker_inside(hit: Hit, people: People) -> Mention | None:
    """ "Two lads are kicking off with my husband, saying they're going to stab him": a threat
    that names its speaker ("they're", "he'll") inside its own words was made by that person,
    not by whoever is named nearest before it."""
    if hit.code != "THREATS":
        return None
    for pronoun in people.subject_pronouns.between(hit.start, hit.end):
        if pronoun.text.lower().startswith(("he", "she", "they")):
            return pronoun
    return None


def link(narrative: Narrative, hit: Hit, people: People) -> Link:
    """Who did the behaviour in `hit`, and whether that makes it abuse between personally
    connected people aged 16 or over (Domestic Abuse Act 2021 s.1-2)."""
    found = _link(narrative, hit, people)
    return _exclude_minors(narrative, found, people)


def _link(narrative: Narrative, hit: Hit, people: People) -> Link:
    patient = _patient(narrative, hit, people)
    agent, patient, passive = _find_agent(narrative, hit, people, patient)
    resolved = people.resolve(agent)
    if (
        resolved is not None
        and agent.kind == PRONOUN
        and patient is not None
        and patient.kind == PRONOUN
        and people.resolve(patient) is resolved
    ):
        # "Some bloke punched my boyfriend and he's still kicking him": "he" and "him" are two
        # people; when both would be the boyfriend, "him" is the one named before him.
        patient = people.resolve(patient, exclude=resolved) or patient
    if resolved is not None and resolved.kind == REL:
        return _link_relative(narrative, hit, agent, resolved, patient, people)
    if resolved is not None and resolved.kind == STRANGER:
        # "The man next door is hitting his wife": the stranger's own partner.
        if _own_partner(narrative, resolved, patient):
            return Link(hit, True, agent, patient, connection=patient)
        return Link(hit, False, agent, patient, blocked_by=resolved)
    if resolved is not None and resolved.kind == CALLER:
        return _link_caller(narrative, hit, agent, patient, people)
    if agent is not None and agent.kind == PRONOUN:
        return _link_pronoun(narrative, hit, agent, patient, people)
    # Nobody named as doing it: "I've been assaulted", "there's been violence". A relative
    # beside the caller ("IP with husband") is not taken for the one who did it.
    connections = [c for c in people.connections if not c.companion]
    if passive:
        others = [c for c in connections if c is not patient]
        if others and not people.strangers:
            return Link(hit, True, None, patient, connection=others[0])
        return Link(hit, False, None, patient)
    sentence = narrative.sentence_of(hit.start)
    strangers_here = [
        m for m in people.unowned_strangers if sentence.start <= m.start < sentence.end
    ]
    if connections and not strangers_here and not people.minors:
        return Link(hit, True, None, patient, connection=connections[0])
    return Link(hit, False, None, patient)


_UNKNOWN_TO_SOMEONE = re.compile(
    r"\b(?:don'?t|do not|didn'?t|doesn'?t|never|hasn'?t|haven'?t) (?:know|recognise|recognize|"
    r"seen|met)\b"
)
_ANIMAL = re.compile(r"(?:the |a |an |their |his |her )?(?:dogs?|animals?|horses?|cows?)\b")


def _own_partner(narrative: Narrative, stranger: Mention, patient: Mention | None) -> bool:
    """ "The man next door is hitting his wife": a partner named with "his"/"her" matching the
    unconnected person's gender is that person's own partner (not "her mother", a relative of
    whoever is speaking)."""
    if patient is None or not patient.connected or patient.possessor != "pronoun":
        return False
    if stranger.text.lower().startswith(("unknown", "unk ")):
        return False  # "IP states unknown M assaulted his g/f": the IP's, not the stranger's
    if _UNKNOWN_TO_SOMEONE.search(stranger.text.lower()):
        return False  # "a man he doesn't know has shoved his wife": the caller's wife
    if _ANIMAL.match(stranger.text.lower()):
        return False  # "a dog attacked her husband": a dog has no partner
    if patient.rel_kind not in ("intimate", "ex"):
        return False
    pronoun = _possessive_pronoun(narrative, patient)
    return not stranger.gender or pronoun == "" or pronoun == stranger.gender


def _possessive_pronoun(narrative: Narrative, mention: Mention) -> str:
    before = narrative.text[max(0, mention.start - 25) : mention.start].split()
    for word in reversed(before):
        if word in ("his", "her"):
            return "m" if word == "his" else "f"
    return ""


def _link_relative(
    narrative, hit: Hit, agent: Mention, resolved: Mention, patient, people: People
) -> Link:
    if _someone_elses_relative(narrative, resolved, patient, people):
        # "Her dad came round and threatened my son": the girlfriend's father, not ours.
        return Link(hit, False, agent, patient, blocked_by=resolved)
    if (
        patient is not None
        and patient.kind == STRANGER
        and not patient.possessive
        and hit.code in PATIENT_BLOCKS
    ):
        # "My husband got into a fight with a bouncer": both sides must be connected.
        return Link(hit, False, agent, patient, blocked_by=patient)
    if resolved.connected:
        return Link(hit, True, agent, patient, connection=resolved)
    return Link(hit, False, agent, patient, blocked_by=resolved if resolved.minor else None)


def _someone_elses_relative(narrative: Narrative, agent: Mention, patient, people: People) -> bool:
    """A "his"/"her" relative acting on the caller, or on the caller's relative of the other
    gender, is someone else's relative: "her husband came round and shoved me". So is another
    person's partner or ex acting on the caller or on no one named: "my boyfriend's ex keeps
    messaging me", "her husband's ex-wife kicked caller's car" (connected to the boyfriend, not
    to the caller); "my husband's ex-wife slapped my husband" stays DA."""
    if agent.possessor == "noun" and (agent.strangers_relative or agent.someone_elses):
        # "my landlord's son's been threatening me", "a patient's relative threatened my wife",
        # "his partner's ex-husband punched him": connected to whoever owns them (the landlord,
        # the patient, the partner), not to the one they act on. Only the owner can be their
        # victim in domestic abuse ("a client's ex-partner has turned up and hit her").
        owner = people.index.nearest_before(agent.start, max(0, agent.start - 30))
        victim = people.resolve(patient)
        if victim is agent:
            # "A client's ex-partner has turned up at the hostel and hit her": "her" is not the
            # ex-partner; the one named before them.
            victim = people.resolve(patient, exclude=agent)
            if victim is None:
                return True  # "RP states ex-b/f's new g/f assaulted her": nobody else; the RP
        if (
            owner is not None
            and patient is not None
            and patient.kind == PRONOUN
            and owner.possessor == "pronoun"
            and patient.gender
            and _possessive_pronoun(narrative, owner) == patient.gender
        ):
            return True  # "her ex's new girlfriend keeps messaging her": whose ex she is
        if victim is not None and owner is not None and not _same_person(victim, owner):
            if victim.kind == CALLER or victim.possessor == "caller":
                return True  # "... punched me", "... threatened my wife"
            return owner.kind == STRANGER
    if (
        agent.possessor == "noun"
        and agent.rel_kind in ("intimate", "ex")
        and (patient is None or patient.kind == CALLER)
    ):
        # Whose: a partner's or an unconnected person's ("my boyfriend's ex", "a friend's
        # husband"), not a relative's ("our Gareth's wife", "my brother's wife": in-laws are
        # relatives, Family Law Act 1996 s.63).
        owner = people.index.nearest_before(agent.start, max(0, agent.start - 30))
        # On no one named, only a partner's partner or ex: "a client's ex-partner has turned up
        # at the hostel" (a social worker's report) is the client's ex.
        partners = owner is not None and owner.rel_kind in ("intimate", "ex")
        if partners or (owner is not None and owner.kind == STRANGER and patient is not None):
            return True
    if agent.possessor != "pronoun" or patient is None:
        return False
    if _parent_of_the_callers_child(narrative, agent, people):
        return False  # "my daughter is 4, her dad's just hit me": the child's other parent
    if patient.kind == CALLER:
        return True
    if patient.kind == REL and patient.possessor == "caller":
        owner = _possessive_pronoun(narrative, agent)
        return bool(owner and patient.gender and owner != patient.gender)
    return False


_CHILD_WORDS = (
    "daughter",
    "son",
    "baby",
    "child",
    "kid",
    "girl",
    "boy",
    "little one",
    "eldest",
    "youngest",
    "dtr",
)
_PARENT_WORDS = ("dad", "father", "daddy", "mum", "mother", "mam", "mummy", "da")


def _parent_of_the_callers_child(narrative: Narrative, agent: Mention, people: People) -> bool:
    """ "My daughter is 4, her dad's just hit me": "her" is the caller's child, so her dad is
    the caller's child's other parent, personally connected (DA Act 2021 s.2(1)(f))."""
    if not agent.text.lower().startswith(_PARENT_WORDS):
        return False
    pronoun = _possessive_pronoun(narrative, agent)
    before = [m for m in people.relationships if m.end <= agent.start]
    for mention in reversed(before[-3:]):
        if mention.gender and pronoun and mention.gender != pronoun:
            continue
        words = mention.text.lower().split()
        callers = mention.possessor == "caller" or words[:1] in (["my"], ["our"], ["me"])
        return callers and any(w.startswith(_CHILD_WORDS) for w in words)
    return False


def _same_person(a: Mention, b: Mention) -> bool:
    """ "my husband's ex-wife slapped my husband": the same relative named twice."""
    return a is b or (a.kind == REL and b.kind == REL and a.text.lower() == b.text.lower())


def someone_elses_throughout(links: list[Link], people: People) -> list[Link]:
    """One story, one cast. A relative found to be someone else's on one act ("my landlord's
    son's been threatening me") is someone else's on the others where nobody is named as acted
    on ("... says he'll break my legs"). An act nobody is named as doing ("Pub assault last
    Fri") is not put on a relative when a stranger did every act that names who did it."""
    # Who was found not to be connected on the acts they did themselves.
    blocked_doers = [
        lk.blocked_by
        for lk in links
        if not lk.linked and lk.blocked_by is not None and lk.blocked_by is people.resolve(lk.agent)
    ]
    others = {id(m) for m in blocked_doers if m.kind == REL and m.possessor == "noun"}
    # "Pub assault last Fri. IP headbutted by unknown male. IP's wife witnessed.": an act with
    # nobody named as doing it is the stranger's who did the others, not the wife's.
    by_a_stranger = any(m.kind == STRANGER for m in blocked_doers)
    if by_a_stranger and not any(lk.linked and lk.agent is not None for lk in links):
        links = [
            _blocked(lk, None) if lk.linked and lk.agent is None and lk.patient is None else lk
            for lk in links
        ]
    if not others:
        return links
    return [
        _blocked(lk, people.resolve(lk.agent))
        if lk.linked and lk.patient is None and id(people.resolve(lk.agent)) in others
        else lk
        for lk in links
    ]


def _link_caller(narrative: Narrative, hit: Hit, agent, patient, people: People) -> Link:
    if patient is not None and patient.connected:
        return Link(hit, True, agent, patient, connection=patient)
    if hit.code in IMPLIED_CONNECTION_BEHAVIOURS:
        # "I'm not allowed out": the caller is on the receiving end; who keeps her in?
        sentence = narrative.sentence_of(hit.start)
        pronoun = people.subject_pronouns.nearest_before(hit.start, sentence.start)
        if pronoun is not None:
            return _link_pronoun(narrative, hit, pronoun, patient, people)
    return Link(hit, False, agent, patient)


def _exclude_minors(narrative: Narrative, found: Link, people: People) -> Link:
    """A party under 16 (the one who did it or the one it was done to) takes the behaviour out
    of domestic abuse: "my son's 15 and he's punched his sister who's 12"."""
    if not found.linked:
        return found
    patient = people.resolve(found.patient)
    for person in (people.resolve(found.agent), patient, found.connection):
        if person is not None and person.minor:
            return _blocked(found, person)
    named = found.patient
    # The caller named as the victim ("he's hitting me, my 3 year old is here") is the victim,
    # not a child named beside the act.
    unnamed_victim = named is None or named.kind == PRONOUN
    if unnamed_victim:
        # "My 17 year old daughter has been hitting her 14 year old brother ... broken his
        # glasses": a child named near the act is the likely victim.
        sentence = narrative.sentence_index(found.hit.start)
        lo = narrative.sentences[max(0, sentence - 1)].start
        near = [m for m in people.minors if lo <= m.start < narrative.sentences[sentence].end]
        if near:
            return _blocked(found, near[0])
    caller_child = people.caller_age is not None and people.caller_age < 16
    # "IP 14yo states brother (16) punched him": nobody punches himself, so "him" is the caller.
    on_caller = (
        patient is None
        or patient.kind == CALLER
        or (found.agent is not None and patient is people.resolve(found.agent))
    )
    if caller_child and on_caller and not _adult_relative_beside(narrative, found, people):
        return _blocked(found, patient or found.agent)
    return found


def _adult_relative_beside(narrative: Narrative, found: Link, people: People) -> bool:
    """ "my stepdad has got my mum by the throat, im 13": with nobody named as the one acted on,
    an adult relative named in the act's sentence, other than the one who did it, is the
    likely victim, not the child calling (a teenager's third-party report is DA)."""
    if found.patient is not None:
        return False
    sentence = narrative.sentence_of(found.hit.start)
    agent = people.resolve(found.agent)
    return any(
        m is not agent
        and m is not found.connection
        and m.connected
        and m.can_be_acted_on
        and sentence.start <= m.start < sentence.end
        for m in people.relationships
    )


def _blocked(found: Link, by: Mention | None) -> Link:
    return Link(found.hit, False, found.agent, found.patient, blocked_by=by)
