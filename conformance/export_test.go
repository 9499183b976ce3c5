package conformance

// CaseNames returns the "group/case" names of every case Run runs, for the
// suite's own tests in package conformance_test.
func CaseNames() []string {
	var names []string
	for _, g := range groups {
		for _, c := range g.cases {
			names = append(names, g.name+"/"+c.name)
		}
	}
	return names
}

// AppID is the workspace id of the suite's Messengers.
const AppID = appID
