"""sphinxcontrib-bibtex formats every bibliography entry again on every build (about 1.5 s for
~150 entries). Its results are kept in the pickled environment; when the bibliography files,
the bibliography directives and every page's citations are the same as last time, the stored
formatting is still exact, so it is reused instead of recomputed.
"""

from __future__ import annotations

from pathlib import Path

import hashlib as _hashlib


def _citation_signature(domain) -> str:
    parts = sorted(f"{key.docname}:{key.id_}:{[str(f) for f in value.bibfiles]}:{value.list_}:{value.keyprefix}:{sorted(value.citation_nodes)}"
                   for key, value in domain.bibliographies.items())
    parts += sorted(f"{ref.docname}:{ref.citation_ref_id}:{[(t.key, t.pre, t.post) for t in ref.targets]}"
                    for ref in domain.citation_refs)
    for bibfile in sorted(domain.bibdata.bibfiles):
        path = Path(bibfile)
        parts.append(f"{bibfile}:{_hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ''}")
    return _hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _patch_bibtex_formatting() -> None:
    from sphinxcontrib.bibtex import domain as bibtex_domain

    original = bibtex_domain.BibtexDomain.env_updated
    if getattr(original, "_evidence_patched", False):
        return

    def env_updated(self):
        signature = _citation_signature(self)
        if self.citations and getattr(self.env, "evidence_citation_signature", None) == signature:
            return []
        result = original(self)
        self.env.evidence_citation_signature = signature
        return result

    env_updated._evidence_patched = True
    bibtex_domain.BibtexDomain.env_updated = env_updated


def setup(app) -> None:
    _patch_bibtex_formatting()
