"""VSA generation: app spec -> file plan -> render (Jinja sandbox) -> 3-way merge -> atomic write.

`service` is the API the faces call; `context` turns an app spec into template data, `stack`
renders a stack's templates in memory, `manifest` keeps the pristine generated output,
`merge` runs the three-way merge, `plan` decides what happens to each file and `writer`
applies a plan atomically (stage, journal, rename; an interrupted run is rolled forward).
"""
