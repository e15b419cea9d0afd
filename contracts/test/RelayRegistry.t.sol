// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {RelayRegistry} from "../src/RelayRegistry.sol";
import {IRelayRegistry} from "../src/interfaces/IRelayRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SottoTestToken} from "../src/test/SottoTestToken.sol";
import {ReentrancyLock} from "../src/utils/ReentrancyLock.sol";
import {ReentrantToken} from "./helpers/ReentrantToken.sol";

/// @dev RelayBinding hashing written independently of the contract (from docs/architecture.md), and signing.
abstract contract BindingSigning is Test {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant RELAY_BINDING_TYPEHASH = keccak256(
        "RelayBinding(address operator,address node,bytes onionKey,bytes peerId,string[] multiaddrs,uint128 fee,uint256 nonce,uint64 deadline)"
    );
    uint256 internal constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    function _bindingDigest(
        address registry,
        address operator,
        IRelayRegistry.RelayParams memory relay,
        uint256 nonce,
        uint64 deadline
    ) internal view returns (bytes32) {
        bytes memory packed;
        for (uint256 i = 0; i < relay.multiaddrs.length; ++i) {
            packed = bytes.concat(packed, keccak256(bytes(relay.multiaddrs[i])));
        }
        bytes32 structHash = keccak256(
            abi.encode(
                RELAY_BINDING_TYPEHASH,
                operator,
                relay.node,
                keccak256(relay.onionKey),
                keccak256(relay.peerId),
                keccak256(packed),
                relay.fee,
                nonce,
                deadline
            )
        );
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Sotto RelayRegistry"), keccak256("1"), block.chainid, registry)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _signBinding(
        uint256 nodeKey,
        address registry,
        address operator,
        IRelayRegistry.RelayParams memory relay,
        uint256 nonce,
        uint64 deadline
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(nodeKey, _bindingDigest(registry, operator, relay, nonce, deadline));
        return abi.encodePacked(r, s, v);
    }

    function _relay(address node, bytes memory onionKey, uint128 fee) internal pure returns (IRelayRegistry.RelayParams memory r) {
        r.node = node;
        r.onionKey = onionKey;
        r.peerId = abi.encodePacked(hex"002408011220", keccak256(abi.encode(node)));
        r.multiaddrs = new string[](2);
        r.multiaddrs[0] = "/ip4/127.0.0.1/tcp/4001";
        r.multiaddrs[1] = "/ip4/127.0.0.1/tcp/4002/ws";
        r.fee = fee;
    }

    /// @dev A compressed key with x coordinate `x` (x must be on the curve for registration to succeed).
    function _onionKey(uint256 x, bool odd) internal pure returns (bytes memory) {
        return abi.encodePacked(odd ? bytes1(0x03) : bytes1(0x02), bytes32(x));
    }

    /// @dev Independent on-curve check: y = (x³ + 7)^((p + 1) / 4) is a square root iff y² = x³ + 7 (p ≡ 3 mod 4).
    function _onCurve(uint256 x) internal view returns (bool) {
        if (x >= P) return false;
        uint256 rhs = addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
        (bool ok, bytes memory out) = address(0x05).staticcall(abi.encode(32, 32, 32, rhs, (P + 1) / 4, P));
        require(ok);
        uint256 y = abi.decode(out, (uint256));
        return mulmod(y, y, P) == rhs;
    }
}

contract RelayRegistryFuzzTest is BindingSigning {
    uint128 internal constant MIN = 100e18;
    uint64 internal constant DELAY = 7 days;
    uint256 internal constant NODE_KEY = 0xD0D;

    SottoTestToken internal token;
    RelayRegistry internal registry;
    address internal node;
    address internal operator = address(0x0FE1);

    function setUp() public {
        token = new SottoTestToken();
        registry = new RelayRegistry(token, MIN, DELAY);
        node = vm.addr(NODE_KEY);
        token.mint(operator, 1e30);
        vm.prank(operator);
        token.approve(address(registry), type(uint256).max);
    }

    function _register(RelayRegistry target, IRelayRegistry.RelayParams memory relay, uint128 amount) internal {
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sig = _signBinding(NODE_KEY, address(target), operator, relay, target.nonces(node), deadline);
        vm.prank(operator);
        target.register(relay, amount, deadline, sig);
    }

    function testFuzz_HashRelayBindingMatchesIndependentEncoding(
        address operator_,
        IRelayRegistry.RelayParams memory relay,
        uint256 nonce,
        uint64 deadline
    ) public view {
        assertEq(
            registry.hashRelayBinding(operator_, relay, nonce, deadline),
            _bindingDigest(address(registry), operator_, relay, nonce, deadline)
        );
    }

    /// Any 33-byte 0x02/0x03 key is accepted iff its x coordinate is on secp256k1.
    function testFuzz_OnionKeyMustBeOnTheCurve(uint256 x, bool odd) public {
        if (x % 4 == 0) x = x % 64; // also try small coordinates, both valid and invalid
        IRelayRegistry.RelayParams memory relay = _relay(node, _onionKey(x, odd), 1);
        if (_onCurve(x)) {
            _register(registry, relay, MIN);
            assertEq(registry.nodeOfOnionKey(relay.onionKey), node);
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(IRelayRegistry.RelayRegistryInvalidOnionKey.selector, relay.onionKey)
            );
            this.registerExternally(relay);
        }
    }

    function registerExternally(IRelayRegistry.RelayParams memory relay) external {
        _register(registry, relay, MIN);
    }

    function testFuzz_StakeMustReachTheMinimum(uint128 amount) public {
        amount = uint128(bound(amount, 0, 1e30));
        IRelayRegistry.RelayParams memory relay = _relay(node, _onionKey(1, false), 1);
        if (amount < MIN) {
            vm.expectRevert(
                abi.encodeWithSelector(IRelayRegistry.RelayRegistryStakeBelowMinimum.selector, amount, MIN)
            );
        }
        this.registerWithAmount(relay, amount);
        if (amount >= MIN) assertEq(registry.getRelay(node).stake, amount);
    }

    function registerWithAmount(IRelayRegistry.RelayParams memory relay, uint128 amount) external {
        _register(registry, relay, amount);
    }

    /// A binding signed for one operator cannot be used by another.
    function testFuzz_BindingIsForOneOperator(address other) public {
        vm.assume(other != operator && other != address(0));
        IRelayRegistry.RelayParams memory relay = _relay(node, _onionKey(2, false), 1);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sig = _signBinding(NODE_KEY, address(registry), operator, relay, 0, deadline);
        token.mint(other, MIN);
        vm.startPrank(other);
        token.approve(address(registry), MIN);
        vm.expectPartialRevert(IRelayRegistry.RelayRegistryInvalidSignature.selector);
        registry.register(relay, MIN, deadline, sig);
        vm.stopPrank();
    }

    /// The stake unlocks exactly `unbondingDelay` seconds after the request, not earlier.
    function testFuzz_WithdrawRespectsTheUnbondingDelay(uint64 delay, uint64 wait) public {
        delay = uint64(bound(delay, 0, 365 days));
        wait = uint64(bound(wait, 0, 2 * uint256(delay) + 1));
        RelayRegistry target = new RelayRegistry(token, MIN, delay);
        vm.prank(operator);
        token.approve(address(target), type(uint256).max);
        _register(target, _relay(node, _onionKey(3, true), 1), MIN);
        vm.prank(operator);
        target.requestUnstake(node);
        uint64 ends = uint64(block.timestamp) + delay;
        assertFalse(target.isActive(node));
        vm.warp(block.timestamp + wait);
        uint256 before = token.balanceOf(operator);
        vm.prank(operator);
        if (wait < delay) {
            vm.expectRevert(
                abi.encodeWithSelector(IRelayRegistry.RelayRegistryUnbondingNotOver.selector, node, ends)
            );
            target.withdraw(node);
        } else {
            target.withdraw(node);
            assertEq(token.balanceOf(operator), before + MIN);
            assertEq(target.relayCount(), 0);
        }
    }
}

contract RelayRegistryReentrancyTest is BindingSigning {
    uint256 internal constant NODE_KEY = 0xD0D;
    ReentrantToken internal token;
    RelayRegistry internal registry;
    address internal node;

    function setUp() public {
        token = new ReentrantToken();
        registry = new RelayRegistry(IERC20(address(token)), 100, 0);
        node = vm.addr(NODE_KEY);
        token.mint(address(this), 1000);
        token.approve(address(registry), type(uint256).max);
    }

    function _register() internal {
        IRelayRegistry.RelayParams memory relay = _relay(node, _onionKey(1, false), 1);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory sig = _signBinding(NODE_KEY, address(registry), address(this), relay, registry.nonces(node), deadline);
        registry.register(relay, 100, deadline, sig);
    }

    function _assertBlocked() internal view {
        assertFalse(token.reentered());
        assertEq(token.reentryError(), abi.encodeWithSelector(ReentrancyLock.ReentrancyLockReentrantCall.selector));
    }

    function test_RegisterCannotBeReentered() public {
        token.arm(address(registry), abi.encodeCall(registry.addStake, (node, 1)));
        _register();
        _assertBlocked();
        assertEq(registry.getRelay(node).stake, 100);
    }

    function test_WithdrawCannotBeReentered() public {
        _register();
        registry.requestUnstake(node);
        token.arm(address(registry), abi.encodeCall(registry.withdraw, (node)));
        registry.withdraw(node);
        _assertBlocked();
        assertEq(token.balanceOf(address(this)), 1000);
        assertEq(token.balanceOf(address(registry)), 0);
    }
}

/// @dev Drives RelayRegistry for the invariant tests, keeping ghost books.
contract RegistryHandler is BindingSigning {
    uint256 internal constant NODES = 4;
    uint256 internal constant OPERATORS = 3;

    RelayRegistry public immutable registry;
    SottoTestToken public immutable token;
    uint256[NODES] internal nodeKeys;
    address[NODES] public nodes;
    address[OPERATORS] public operators;
    uint8[5] internal validX = [1, 2, 3, 4, 6];

    mapping(address node => uint256) public ghostStake;
    mapping(address node => address) public ghostOperator;
    mapping(uint256 x => address) public ghostKeyHolder;
    mapping(address node => uint256) internal ghostX;
    uint256 public ghostTotal;
    uint256 public ghostCount;

    uint256 public earlyWithdraw;
    uint256 public unexpectedResult;

    constructor(RelayRegistry registry_, SottoTestToken token_) {
        registry = registry_;
        token = token_;
        for (uint256 i = 0; i < NODES; ++i) {
            nodeKeys[i] = uint256(keccak256(abi.encode("node", i))) % 2 ** 128 + 1;
            nodes[i] = vm.addr(nodeKeys[i]);
        }
        for (uint256 i = 0; i < OPERATORS; ++i) {
            operators[i] = address(uint160(0x0F00 + i));
            vm.prank(operators[i]);
            token.approve(address(registry), type(uint256).max);
        }
    }

    function _signed(uint256 n, address operator, uint256 keySeed, uint256 fee)
        internal
        view
        returns (IRelayRegistry.RelayParams memory relay, uint64 deadline, bytes memory sig, uint256 x)
    {
        x = validX[keySeed % validX.length];
        relay = _relay(nodes[n], _onionKey(x, keySeed % 2 == 1), uint128(bound(fee, 0, 1e18)));
        deadline = uint64(block.timestamp + 1 hours);
        sig = _signBinding(nodeKeys[n], address(registry), operator, relay, registry.nonces(nodes[n]), deadline);
    }

    function register(uint256 opSeed, uint256 nodeSeed, uint256 keySeed, uint256 amount, uint256 fee) external {
        uint256 n = nodeSeed % NODES;
        address node = nodes[n];
        address operator = operators[opSeed % OPERATORS];
        amount = bound(amount, registry.minimumStake(), 1e24);
        (IRelayRegistry.RelayParams memory relay, uint64 deadline, bytes memory sig, uint256 x) =
            _signed(n, operator, keySeed, fee);
        bool expected = ghostOperator[node] == address(0)
            && (ghostKeyHolder[x] == address(0) || ghostKeyHolder[x] == node);
        token.mint(operator, amount);
        vm.prank(operator);
        try registry.register(relay, uint128(amount), deadline, sig) {
            if (!expected) ++unexpectedResult;
            ghostOperator[node] = operator;
            ghostStake[node] = amount;
            ghostKeyHolder[x] = node;
            ghostX[node] = x;
            ghostTotal += amount;
            ++ghostCount;
        } catch {
            if (expected) ++unexpectedResult;
            vm.prank(operator);
            token.transfer(address(0xdead), amount);
        }
    }

    function addStake(uint256 nodeSeed, uint256 amount) external {
        address node = nodes[nodeSeed % NODES];
        address operator = ghostOperator[node];
        if (operator == address(0) || registry.getRelay(node).unbondingEnds != 0) return;
        amount = bound(amount, 1, 1e24);
        token.mint(operator, amount);
        vm.prank(operator);
        registry.addStake(node, uint128(amount));
        ghostStake[node] += amount;
        ghostTotal += amount;
    }

    function update(uint256 nodeSeed, uint256 keySeed, uint256 fee) external {
        uint256 n = nodeSeed % NODES;
        address node = nodes[n];
        address operator = ghostOperator[node];
        if (operator == address(0) || registry.getRelay(node).unbondingEnds != 0) return;
        (IRelayRegistry.RelayParams memory relay, uint64 deadline, bytes memory sig, uint256 x) =
            _signed(n, operator, keySeed, fee);
        bool expected = ghostKeyHolder[x] == address(0) || ghostKeyHolder[x] == node;
        vm.prank(operator);
        try registry.updateRelay(relay, deadline, sig) {
            if (!expected) ++unexpectedResult;
            if (ghostX[node] != x) delete ghostKeyHolder[ghostX[node]];
            ghostKeyHolder[x] = node;
            ghostX[node] = x;
        } catch {
            if (expected) ++unexpectedResult;
        }
    }

    function requestUnstake(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % NODES];
        address operator = ghostOperator[node];
        if (operator == address(0) || registry.getRelay(node).unbondingEnds != 0) return;
        vm.prank(operator);
        registry.requestUnstake(node);
    }

    function cancelUnstake(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % NODES];
        address operator = ghostOperator[node];
        if (operator == address(0) || registry.getRelay(node).unbondingEnds == 0) return;
        vm.prank(operator);
        registry.cancelUnstake(node);
    }

    /// Tries to withdraw whether or not the delay has passed; an early success is a violation.
    function withdraw(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % NODES];
        address operator = ghostOperator[node];
        if (operator == address(0)) return;
        uint64 ends = registry.getRelay(node).unbondingEnds;
        uint256 before = token.balanceOf(operator);
        vm.prank(operator);
        try registry.withdraw(node) {
            if (ends == 0 || block.timestamp < ends) ++earlyWithdraw;
            if (token.balanceOf(operator) != before + ghostStake[node]) ++unexpectedResult;
            ghostTotal -= ghostStake[node];
            --ghostCount;
            delete ghostKeyHolder[ghostX[node]];
            delete ghostX[node];
            delete ghostStake[node];
            delete ghostOperator[node];
        } catch {
            if (ends != 0 && block.timestamp >= ends) ++unexpectedResult;
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 8 days));
    }
}

contract RelayRegistryInvariantTest is Test {
    RelayRegistry internal registry;
    SottoTestToken internal token;
    RegistryHandler internal handler;

    function setUp() public {
        token = new SottoTestToken();
        registry = new RelayRegistry(token, 100e18, 7 days);
        handler = new RegistryHandler(registry, token);
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = RegistryHandler.register.selector;
        selectors[1] = RegistryHandler.addStake.selector;
        selectors[2] = RegistryHandler.update.selector;
        selectors[3] = RegistryHandler.requestUnstake.selector;
        selectors[4] = RegistryHandler.cancelUnstake.selector;
        selectors[5] = RegistryHandler.withdraw.selector;
        selectors[6] = RegistryHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// The registry holds exactly the sum of the stakes it lists.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 64
    function invariant_TokenBalanceEqualsSumOfStakes() public view {
        IRelayRegistry.RelayInfo[] memory relays = registry.getRelays(0, type(uint256).max);
        uint256 sum;
        for (uint256 i = 0; i < relays.length; ++i) {
            sum += relays[i].stake;
            assertEq(relays[i].stake, handler.ghostStake(relays[i].node));
        }
        assertEq(token.balanceOf(address(registry)), sum);
        assertEq(sum, handler.ghostTotal());
    }

    /// The directory lists each registered node once, with a unique onion key that maps back to it.
    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 64
    function invariant_DirectoryIsConsistent() public view {
        IRelayRegistry.RelayInfo[] memory relays = registry.getRelays(0, type(uint256).max);
        assertEq(relays.length, registry.relayCount());
        assertEq(relays.length, handler.ghostCount());
        for (uint256 i = 0; i < relays.length; ++i) {
            IRelayRegistry.RelayInfo memory r = relays[i];
            assertEq(r.operator, handler.ghostOperator(r.node));
            assertEq(registry.nodeOfOnionKey(r.onionKey), r.node);
            assertEq(r.active, r.unbondingEnds == 0 && r.stake >= registry.minimumStake());
            assertEq(registry.isActive(r.node), r.active);
            // The directory page (assembled from pre-encoded records) equals the single-relay view.
            assertEq(keccak256(abi.encode(registry.getRelay(r.node))), keccak256(abi.encode(r)));
            for (uint256 j = 0; j < i; ++j) {
                assertTrue(relays[j].node != r.node);
                assertTrue(keccak256(relays[j].onionKey) != keccak256(r.onionKey));
            }
        }
    }

    /// hardhat-config: invariant.runs = 128
    /// hardhat-config: invariant.depth = 64
    function invariant_NoViolations() public view {
        assertEq(handler.earlyWithdraw(), 0, "withdrawn before the unbonding delay");
        assertEq(handler.unexpectedResult(), 0, "an action succeeded or failed unexpectedly");
    }
}
