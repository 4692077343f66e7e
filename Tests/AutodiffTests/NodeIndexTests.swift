@testable import Autodiff
import Testing

@Suite("NodeIndex")
struct NodeIndexTests {
    @Test("every node set is found with its number, through growth; others are not")
    func numbersEveryNode() {
        let nodes = (0..<1000).map { _ in Node(leaf: ()) }
        let strangers = (0..<100).map { _ in Node(leaf: ()) }
        var index = NodeIndex(capacity: 4)
        for (number, node) in nodes.enumerated() { index[ObjectIdentifier(node)] = -1 - number }
        for (number, node) in nodes.enumerated() { index[ObjectIdentifier(node)] = number }
        #expect(nodes.enumerated().allSatisfy { index[ObjectIdentifier($0.element)] == $0.offset })
        #expect(strangers.allSatisfy { index[ObjectIdentifier($0)] == nil })
    }
}
