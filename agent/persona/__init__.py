"""Personas: schema, evidence, interview, writer, generation and deck."""
