package bundled

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"lianxi/plan"
	"lianxi/testkit"
)

const document = "../../shared/plans/internet-plus-2015-support-measures.txt"

// The bundled plan is what the importer reads from the document plus the
// corrections it records, and nothing else: a hand edit of the JSON fails
// here.
func TestBundledPlanIsTheDocumentWithItsRecordedCorrections(t *testing.T) {
	got, err := Plan()
	if err != nil {
		t.Fatal(err)
	}
	if err := got.ReadyToLaunch(); err != nil {
		t.Errorf("bundled plan not ready to launch: %v", err)
	}
	want := map[int]string{2: "强化创新驱动", 3: "营造宽松环境", 5: "加强智力建设"}
	for _, s := range got.Sections {
		if w, ok := want[s.No]; ok && (s.Title != w || !s.Damaged || !s.Corrected || s.Salvaged == "") {
			t.Errorf("section %d: %+v, want damaged, corrected to %s", s.No, s, w)
		}
	}
	if len(got.Corrections) != len(want) {
		t.Errorf("%d corrections recorded, want %d", len(got.Corrections), len(want))
	}
	b := testkit.SharedFile(t, document)
	p, err := plan.Parse(b, plan.Options{PlanID: PlanID})
	if err != nil {
		t.Fatal(err)
	}
	p = p.WithoutText()
	p.Encoding = ""
	for _, c := range got.Corrections {
		if err := p.CorrectSectionTitle(c.Section, c.To); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("bundled plan differs from the document with its corrections; run go generate ./bundled (-want +got):\n%s", diff)
	}
}
