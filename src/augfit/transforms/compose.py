"""Compositions (Compose, OneOf, SomeOf, Sometimes): being written under issue 3."""
