"""Who an actor is and where a text names one: the values the extraction rules pass around."""

from dataclasses import dataclass, field

# The mentions that stand for another: resolved to what they refer to.
REFERENCES = {"pronoun", "role", "org-ref"}


@dataclass(frozen=True)
class KnownActor:
    id: int | None
    name: str
    kind: str = "person"
    title: str = ""
    aliases: tuple = ()
    country: str = ""

    @property
    def is_person(self):
        return self.kind == "person"

    @classmethod
    def from_spec(cls, id, spec):
        """From a data set's actor: ``{"name", "kind", "title", "aliases", "country"}``."""
        return cls(
            id,
            spec["name"],
            spec.get("kind", "person"),
            spec.get("title", ""),
            tuple(spec.get("aliases", [])),
            spec.get("country", ""),
        )


@dataclass
class Mention:
    start: int
    end: int
    name: str  # the actor's name, or the new name as written
    how: str  # name, alias, surname, title, country, pronoun, new, new-surname, new-single
    actor: KnownActor | None = None
    person: bool = True
    possessive: bool = False
    modifier: bool = False  # "a Kremlin aide", "White House officials": not the speaker
    in_quote: bool = False
    resolved: "Mention | None" = field(default=None, repr=False)
    definite: bool = True  # a role phrase's: "the minister", not "a minister"
    role: object = field(default=None, repr=False)  # a role phrase's roles.Role

    @property
    def target(self):
        """What a pronoun, a role ("the minister") or a body ("the group") stands for
        (itself otherwise); None when unresolved."""
        if self.how in REFERENCES:
            return self.resolved
        return self
