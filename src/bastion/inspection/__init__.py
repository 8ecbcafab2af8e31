"""Inspecting uploaded distribution files without trusting them.

Every uploaded file is read here before it is stored: as a stream, member by member, never
extracted, with every byte charged to a budget, in a separate process with resource limits
(`sandbox`). What comes back is either the artifact's core metadata or a one-line reason.

Modules: `limits` (the caps), `errors`, `budget` (counting what was decompressed), `names`
(member path safety), `streams` (bounded decompression), `members` (what a member is),
`zips` and `tars` (reading each container safely), `nested` (archives inside archives),
`tags` (wheel tags), `wheels` and `sdists` (what each kind of distribution must hold),
`inspector` (one file, in process) and `sandbox` (one file, in a limited child process).
"""
