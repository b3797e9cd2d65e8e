public import TMSCore
public import Varlink

// The domain's values that the wire writes as one string, each as its
// Codable conformance in TMSCore writes it: encoded without a container.

extension CivilDate: VarlinkString {
    public var varlinkString: String { description }
}

extension LocalTime: VarlinkString {
    public var varlinkString: String { description }
}

extension CourseStatus: VarlinkString {}
extension SessionStatus: VarlinkString {}
extension ThresholdMethod: VarlinkString {}
extension Severity: VarlinkString {}
extension Timepoint: VarlinkString {}
extension ScreenResult: VarlinkString {}
extension ScreenQuestion.Weight: VarlinkString {}
extension TargetSite.Method: VarlinkString {}
extension Trial.Kind: VarlinkString {}
extension Trial.Adherence: VarlinkString {}
extension Trial.Outcome: VarlinkString {}
extension Clinic.Rhythm: VarlinkString {}
extension ConsultationOutcome: VarlinkString {}
extension PatientStage: VarlinkString {}
extension Strategy.Kind: VarlinkString {}
extension EvaluationItem.Section: VarlinkString {}
extension Role: VarlinkString {}
