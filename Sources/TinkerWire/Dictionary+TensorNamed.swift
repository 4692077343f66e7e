extension Dictionary where Key == String, Value == TensorData {
    /// The tensor named `key`, as `self[key]` finds it.
    ///
    /// A datum's loss inputs and a pass's outputs are a handful of tensors, read on every
    /// step of a call: comparing their names costs less than hashing the one looked for.
    package func tensor(named key: String) -> TensorData? {
        guard count <= 4 else { return self[key] }
        // By index, so that only the tensor found is copied out, not every one passed.
        var index = startIndex
        while index != endIndex {
            if keys[index] == key { return values[index] }
            formIndex(after: &index)
        }
        return nil
    }
}
