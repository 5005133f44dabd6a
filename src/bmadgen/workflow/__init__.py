"""The five-phase BMAD workflow: phases as data, a persisted state machine, answers, drift.

Import the service (`bmadgen.workflow.service`) for the operations the faces call.
"""
