/// The version of RegSpec, reported by engines and the CLI.
public enum RegSpecVersion {
    public static let current = "0.1.0"
}
